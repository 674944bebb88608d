using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace RedisCluster.Tests.Infrastructure;

/// <summary>
/// A deliberately tiny, synchronous, one-connection-per-call RESP2 client used by the fixtures for
/// readiness probes and health checks (much cheaper than spawning redis-cli in polling loops).
/// Not a product client: no pipelining, no redirects, no reconnects.
/// </summary>
internal static class MiniRespClient
{
    private static readonly Lazy<X509Certificate2> s_clientCert = new(() =>
        X509Certificate2.CreateFromPemFile(TestCertificates.Shared.ClientCertPath, TestCertificates.Shared.ClientKeyPath));

    /// <summary>True if something answers PING with any RESP reply (+PONG, -NOAUTH, -LOADING...).</summary>
    public static bool TryPing(string host, int port, bool tls, TimeSpan timeout, out string? reply)
    {
        reply = null;
        try
        {
            using Connection conn = Connection.Open(host, port, tls, timeout);
            conn.Send("PING");
            reply = conn.ReadLine();
            return reply.Length > 0 && (reply[0] == '+' || reply[0] == '-');
        }
        catch (Exception e) when (e is IOException or SocketException or AuthenticationException or ObjectDisposedException
                                   or InvalidOperationException or OperationCanceledException)
        {
            reply = e.Message;
            return false;
        }
    }

    /// <summary>
    /// Runs one command. Returns string (simple/bulk), long, object?[] (array) or null (nil).
    /// Error replies throw <see cref="InvalidOperationException"/> with the error text.
    /// </summary>
    public static object? Execute(string host, int port, bool tls, string? password, TimeSpan timeout, params string[] command)
    {
        using Connection conn = Connection.Open(host, port, tls, timeout);
        if (password is not null)
        {
            conn.Send("AUTH", "default", password);
            conn.ReadReply();
        }
        conn.Send(command);
        return conn.ReadReply();
    }

    internal sealed class Connection : IDisposable
    {
        private readonly TcpClient _tcp;
        private readonly Stream _stream;

        private Connection(TcpClient tcp, Stream stream)
        {
            _tcp = tcp;
            _stream = stream;
        }

        public static Connection Open(string host, int port, bool tls, TimeSpan timeout)
        {
            var tcp = new TcpClient { NoDelay = true, ReceiveTimeout = (int)timeout.TotalMilliseconds, SendTimeout = (int)timeout.TotalMilliseconds };
            try
            {
                // Synchronous on purpose: these probes run on blocked threads while many servers start in
                // parallel, and sync-over-async connects were starved of thread-pool threads (spurious
                // "operation was canceled"). A loopback connect is refused or accepted at once; the socket
                // timeouts bound the TLS handshake and the reads.
                tcp.Connect(host, port);
                Stream stream = tcp.GetStream();
                if (tls)
                {
                    var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                    var options = new SslClientAuthenticationOptions
                    {
                        TargetHost = "localhost",
                        ClientCertificates = new X509CertificateCollection { s_clientCert.Value },
                        // Probe only: the fixtures' own trust is exercised by the TLS tests, not here.
                        RemoteCertificateValidationCallback = (_, _, _, _) => true,
                    };
                    ssl.AuthenticateAsClient(options);
                    stream = ssl;
                }
                return new Connection(tcp, new BufferedStream(stream));
            }
            catch
            {
                tcp.Dispose();
                throw;
            }
        }

        public void Send(params string[] args)
        {
            var sb = new StringBuilder();
            sb.Append('*').Append(args.Length).Append("\r\n");
            foreach (string arg in args)
            {
                sb.Append('$').Append(Encoding.UTF8.GetByteCount(arg)).Append("\r\n").Append(arg).Append("\r\n");
            }
            byte[] bytes = Encoding.UTF8.GetBytes(sb.ToString());
            _stream.Write(bytes, 0, bytes.Length);
            _stream.Flush();
        }

        public string ReadLine()
        {
            var bytes = new List<byte>(64);
            while (true)
            {
                int b = _stream.ReadByte();
                if (b < 0)
                {
                    throw new IOException("Connection closed by the server.");
                }
                if (b == '\n' && bytes.Count > 0 && bytes[^1] == '\r')
                {
                    bytes.RemoveAt(bytes.Count - 1);
                    return Encoding.UTF8.GetString(bytes.ToArray());
                }
                bytes.Add((byte)b);
            }
        }

        public object? ReadReply()
        {
            string line = ReadLine();
            if (line.Length == 0)
            {
                throw new IOException("Empty RESP line.");
            }
            string rest = line[1..];
            switch (line[0])
            {
                case '+':
                    return rest;
                case '-':
                    throw new InvalidOperationException(rest);
                case ':':
                    return long.Parse(rest, CultureInfo.InvariantCulture);
                case '$':
                {
                    int length = int.Parse(rest, CultureInfo.InvariantCulture);
                    if (length < 0)
                    {
                        return null;
                    }
                    byte[] buffer = new byte[length + 2];
                    _stream.ReadExactly(buffer);
                    return Encoding.UTF8.GetString(buffer, 0, length);
                }
                case '*':
                {
                    int count = int.Parse(rest, CultureInfo.InvariantCulture);
                    if (count < 0)
                    {
                        return null;
                    }
                    var items = new object?[count];
                    for (int i = 0; i < count; i++)
                    {
                        items[i] = ReadReply();
                    }
                    return items;
                }
                default:
                    throw new IOException($"Unexpected RESP line: {line}");
            }
        }

        public void Dispose()
        {
            _stream.Dispose();
            _tcp.Dispose();
        }
    }
}
