using System;
using System.IO;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading.Tasks;

namespace RedisCluster.Bench.CopyRelay
{
    /// <summary>
    /// The least a TLS-terminating relay can do in .NET: accept, open a verified TLS connection, send AUTH
    /// once, then copy bytes both ways with async socket I/O, parsing nothing. Its requests/s and CPU per
    /// request are the floor the tunnel is compared with: what it costs over this is the tunnel's own work
    /// (RESP scanning, AUTH/HELLO offload, statistics); what this costs over direct TLS is the price of any
    /// extra hop on the machine.
    /// </summary>
    public static class Program
    {
        public static async Task<int> Main(string[] args)
        {
            if (args.Length < 4)
            {
                Console.Error.WriteLine("usage: CopyRelay <listen port> <upstream port> <ca.crt> <user>   (password in BENCH_REDIS_PASSWORD)");
                return 2;
            }

            int listenPort = int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture);
            int upstreamPort = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
            var ca = X509Certificate2.CreateFromPem(File.ReadAllText(args[2]));
            string user = args[3];
            string password = Environment.GetEnvironmentVariable("BENCH_REDIS_PASSWORD") ?? string.Empty;
            byte[] auth = Encoding.UTF8.GetBytes(
                $"*3\r\n$4\r\nAUTH\r\n${Encoding.UTF8.GetByteCount(user)}\r\n{user}\r\n${Encoding.UTF8.GetByteCount(password)}\r\n{password}\r\n");

            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, listenPort));
            listener.Listen(512);
            Console.WriteLine("READY " + listenPort);
            while (true)
            {
                Socket client = await listener.AcceptAsync().ConfigureAwait(false);
                client.NoDelay = true;
                _ = RelayAsync(client, upstreamPort, ca, auth);
            }
        }

        private static async Task RelayAsync(Socket client, int upstreamPort, X509Certificate2 ca, byte[] auth)
        {
            using var clientStream = new NetworkStream(client, ownsSocket: true);
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(IPAddress.Loopback, upstreamPort).ConfigureAwait(false);
            using var upstream = new SslStream(new NetworkStream(socket, ownsSocket: true), false, (_, certificate, chain, errors) => Trusted(ca, certificate, errors));
            await upstream.AuthenticateAsClientAsync("localhost").ConfigureAwait(false);
            await upstream.WriteAsync(auth).ConfigureAwait(false);
            var reply = new byte[64];
            int n = await upstream.ReadAsync(reply).ConfigureAwait(false);
            if (n < 3 || reply[0] != (byte)'+')
            {
                Console.Error.WriteLine("AUTH failed: " + Encoding.UTF8.GetString(reply, 0, Math.Max(n, 0)));
                return;
            }

            await Task.WhenAny(CopyAsync(clientStream, upstream), CopyAsync(upstream, clientStream)).ConfigureAwait(false);
        }

        private static async Task CopyAsync(Stream from, Stream to)
        {
            var buffer = new byte[16 * 1024];
            try
            {
                int read;
                while ((read = await from.ReadAsync(buffer).ConfigureAwait(false)) > 0)
                {
                    await to.WriteAsync(buffer.AsMemory(0, read)).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is IOException || ex is ObjectDisposedException || ex is SocketException)
            {
            }
        }

        private static bool Trusted(X509Certificate2 ca, X509Certificate? certificate, SslPolicyErrors errors)
        {
            if (certificate == null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
            {
                return false;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(new X509Certificate2(certificate));
        }
    }
}
