using System.Net;
using System.Net.Sockets;

namespace RedisCluster.Tests.Infrastructure;

/// <summary>
/// Picks free loopback ports. Candidates are drawn from 10000-22767, below the kernel's ephemeral
/// range (32768-60999 here), so outgoing connections (redis-cli, cluster bus links, replication)
/// can never be handed a port we picked but have not bound yet; the cluster bus port (+10000)
/// then stays below 32768 too. Each candidate is checked by binding a TcpListener on 127.0.0.1,
/// and ports are never handed out twice in one process. A collision with another process is
/// still possible (the check-then-release race), so <see cref="RedisServer.Start"/> retries on
/// "Address already in use".
/// </summary>
internal static class FreePorts
{
    public const int BusPortOffset = 10000;
    private const int MinPort = 10000;
    private const int MaxPort = 22767; // + 10000 < 32768
    private const int EphemeralStart = 32768;

    private static readonly HashSet<int> s_handedOut = new();
    private static readonly object s_lock = new();

    public static int Pick(bool withBusPort)
    {
        lock (s_lock)
        {
            for (int attempt = 0; attempt < 1000; attempt++)
            {
                int port = Random.Shared.Next(MinPort, MaxPort + 1);
                if (s_handedOut.Contains(port) || (withBusPort && s_handedOut.Contains(port + BusPortOffset)))
                {
                    continue;
                }
                if (!IsFree(port) || (withBusPort && !IsFree(port + BusPortOffset)))
                {
                    continue;
                }
                s_handedOut.Add(port);
                if (withBusPort)
                {
                    s_handedOut.Add(port + BusPortOffset);
                }
                return port;
            }
        }
        throw new InvalidOperationException("No free loopback port found in 10000-22767 after 1000 attempts.");
    }

    /// <summary>
    /// A port for a tunnel listener, in 23000-32000: away from the servers' ports, below the ephemeral
    /// range, and never one already handed out as a server's or a cluster bus port.
    /// </summary>
    public static int PickListener()
    {
        lock (s_lock)
        {
            for (int attempt = 0; attempt < 1000; attempt++)
            {
                int port = Random.Shared.Next(23000, 32000);
                if (!s_handedOut.Contains(port) && IsFree(port))
                {
                    s_handedOut.Add(port);
                    return port;
                }
            }
        }

        throw new InvalidOperationException("No free loopback port found in 23000-32000 after 1000 attempts.");
    }

    /// <summary>An offset that moves every given port (they may be spread widely) to a free one nobody else was given.</summary>
    public static int PickOffset(IReadOnlyCollection<int> ports)
    {
        int min = ports.Min(), max = ports.Max();
        lock (s_lock)
        {
            for (int attempt = 0; attempt < 1000; attempt++)
            {
                // Shifted ports stay below the ephemeral range: an outgoing connection could take one there.
                int low = Random.Shared.Next(1024, EphemeralStart - (max - min));
                int offset = low - min;
                if (ports.All(p => !s_handedOut.Contains(p + offset) && IsFree(p + offset)))
                {
                    foreach (int p in ports)
                    {
                        s_handedOut.Add(p + offset);
                    }

                    return offset;
                }
            }
        }

        throw new InvalidOperationException("No free port offset found after 1000 attempts.");
    }

    /// <summary>
    /// A server port (with its bus port) that stays free when shifted by <paramref name="offset"/>: for a
    /// node that joins a cluster under a pinned tunnel whose listeners already use that offset.
    /// </summary>
    public static int PickShiftable(int offset)
    {
        lock (s_lock)
        {
            for (int attempt = 0; attempt < 1000; attempt++)
            {
                int port = Random.Shared.Next(MinPort, MaxPort + 1);
                int shifted = port + offset;
                if (shifted < 1024 || shifted >= EphemeralStart
                    || s_handedOut.Contains(port) || s_handedOut.Contains(port + BusPortOffset) || s_handedOut.Contains(shifted)
                    || !IsFree(port) || !IsFree(port + BusPortOffset) || !IsFree(shifted))
                {
                    continue;
                }

                s_handedOut.Add(port);
                s_handedOut.Add(port + BusPortOffset);
                s_handedOut.Add(shifted);
                return port;
            }
        }

        throw new InvalidOperationException("No free port found whose shift by " + offset + " is free too, after 1000 attempts.");
    }

    private static bool IsFree(int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        try
        {
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        finally
        {
            listener.Stop();
        }
    }
}
