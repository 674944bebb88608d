using System.Globalization;
using System.Net.Sockets;
using System.Text;
using RedisCluster.Tests.Infrastructure;

namespace RedisCluster.Bench;

/// <summary>
/// What idle clients cost a tunnel, per mode: the tunnel runs as tests/TunnelTestHost in a child process (plaintext
/// upstream), so its resident memory is its own and not the clients' sockets'. A warm-up crowd arrives and leaves
/// first (code loaded, pools and the reclaim run once); then the clients connect, each answered one PING, and stay idle.
/// </summary>
public sealed class TunnelIdleClients
{
    private const int WarmUpCrowd = 300;
    private readonly int _clients;

    public TunnelIdleClients(int clients)
    {
        _clients = clients;
    }

    public IEnumerable<string> Run()
    {
        yield return $"{_clients:N0} idle clients per mode (each answered one PING), tunnel in a child process; resident memory once settled.";
        yield return $"{"mode",-11} {"warm",8} {"with clients",13} {"growth",9} {"per client",11} {"after they left",16}";
        using (RedisServer server = RedisServer.Start(new RedisServerOptions()))
        {
            yield return Measure("Standalone", "127.0.0.1:" + server.Port.ToString(CultureInfo.InvariantCulture));
        }

        using RedisClusterProcesses cluster = RedisClusterProcesses.Start(masters: 3, replicasPerMaster: 0, tls: false);
        cluster.WaitHealthy(TimeSpan.FromSeconds(60));
        string seed = "127.0.0.1:" + cluster.SeedPort.ToString(CultureInfo.InvariantCulture);
        yield return Measure("Pinned", seed);
        yield return Measure("Smart", seed);
    }

    private string Measure(string mode, string upstream)
    {
        using TunnelHostProcess host = TunnelHostProcess.Start(upstream, mode, portOffset: mode == "Pinned" ? -10000 : 0);
        Crowd(host.Port, WarmUpCrowd).ForEach(c => c.Dispose());
        long warm = SettledMemory.Read(host).Resident;
        List<Socket> clients = Crowd(host.Port, _clients);
        long with = SettledMemory.Read(host).Resident;
        clients.ForEach(c => c.Dispose());
        long after = SettledMemory.Read(host).Resident;
        double growth = (with - warm) / 1048576.0;
        return $"{mode,-11} {warm >> 20,5} MB {with >> 20,10} MB {growth,6:0.0} MB {(with - warm) / 1024.0 / _clients,8:0.0} KB {after >> 20,13} MB";
    }

    private static List<Socket> Crowd(int port, int count)
    {
        byte[] ping = Encoding.ASCII.GetBytes("*1\r\n$4\r\nPING\r\n");
        var reply = new byte[7];
        var clients = new List<Socket>(count);
        for (int i = 0; i < count; i++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 30000 };
            socket.Connect("127.0.0.1", port);
            socket.Send(ping);
            int got = 0;
            while (got < reply.Length)
            {
                int read = socket.Receive(reply, got, reply.Length - got, SocketFlags.None);
                if (read == 0)
                {
                    throw new IOException("the tunnel closed client " + i);
                }

                got += read;
            }

            clients.Add(socket);
        }

        return clients;
    }
}
