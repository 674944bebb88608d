using System.Net;
using System.Net.Sockets;

namespace RedisCluster.Tests.Tunnel;

/// <summary>Local ports for tunnel listeners (never the defaults: other suites and servers run alongside).</summary>
internal static class TunnelPorts
{
    private static readonly object Gate = new();
    private static readonly HashSet<int> HandedOut = new();

    /// <summary>A free port in 23000-32000 (away from the fixtures' 10000-22767 and the ephemeral range).</summary>
    public static int Free()
    {
        lock (Gate)
        {
            for (int attempt = 0; attempt < 1000; attempt++)
            {
                int port = Random.Shared.Next(23000, 32000);
                if (!HandedOut.Contains(port) && IsFree(port))
                {
                    HandedOut.Add(port);
                    return port;
                }
            }
        }

        throw new InvalidOperationException("No free port in 23000-32000.");
    }

    /// <summary>An offset that moves every given port to a free one (the ports may be spread widely).</summary>
    public static int FreeOffset(IReadOnlyCollection<int> ports)
    {
        int min = ports.Min(), max = ports.Max();
        lock (Gate)
        {
            for (int attempt = 0; attempt < 1000; attempt++)
            {
                int low = Random.Shared.Next(1024, 65535 - (max - min));
                int offset = low - min;
                if (ports.All(p => !HandedOut.Contains(p + offset) && IsFree(p + offset)))
                {
                    foreach (int p in ports)
                    {
                        HandedOut.Add(p + offset);
                    }

                    return offset;
                }
            }
        }

        throw new InvalidOperationException("No free port offset found.");
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
