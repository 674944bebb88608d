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
                int low = Random.Shared.Next(1024, 65535 - (max - min));
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
