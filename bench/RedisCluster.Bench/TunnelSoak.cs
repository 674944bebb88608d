using System.Globalization;
using System.Net.Sockets;
using System.Text;
using RedisCluster.Tests.Infrastructure;

namespace RedisCluster.Bench;

/// <summary>
/// Fuzz and soak for the tunnel in each mode (standalone, pinned, smart), each run as tests/TunnelTestHost in a
/// child process: malformed and oversized inputs, each on a connection of its own, plus idle connections, while a
/// verifying client checks every reply it gets. Reports survival, the verifying client's errors and the tunnel's
/// resident memory before (after a warm-up round, once settled), at its peak and after the clients left (once settled).
/// </summary>
public sealed class TunnelSoak
{
    private const int Workers = 16;
    private const int DescriptorLimit = 20000;

    // Enough inputs for each shape, random and oversized ones among them; a crowd big enough to count as one when it leaves.
    private const int WarmUpInputs = 2000;
    private const int WarmUpIdle = 500;
    private readonly int _inputs;
    private readonly int _idle;
    private readonly IReadOnlyCollection<string> _modes;

    /// <param name="modes">The modes to run (Standalone, Pinned, Smart), in that order whatever the order given.</param>
    public TunnelSoak(int inputs, int idle, IReadOnlyCollection<string> modes)
    {
        _inputs = inputs;
        _idle = idle;
        _modes = modes;
    }

    public IEnumerable<string> Run()
    {
        yield return $"Tunnel soak: {_inputs:N0} malformed/oversized inputs and {_idle:N0} idle connections per mode; tunnel host under ulimit -n {DescriptorLimit}.";
        yield return $"{"mode",-11} {"survived",8} {"verify ok",10} {"verify err",10} {"inputs",8} {"rss before",10} {"rss peak",9} {"rss after",9} {"after/before",12}";
        if (Runs("Standalone"))
        {
            using RedisServer server = RedisServer.Start(new RedisServerOptions());
            yield return RunMode("Standalone", "127.0.0.1:" + server.Port.ToString(CultureInfo.InvariantCulture));
        }

        if (!Runs("Pinned") && !Runs("Smart"))
        {
            yield break;
        }

        using RedisClusterProcesses cluster = RedisClusterProcesses.Start(masters: 3, replicasPerMaster: 0, tls: false);
        cluster.WaitHealthy(TimeSpan.FromSeconds(60));
        string seed = "127.0.0.1:" + cluster.SeedPort.ToString(CultureInfo.InvariantCulture);
        if (Runs("Pinned"))
        {
            yield return RunMode("Pinned", seed);
        }

        if (Runs("Smart"))
        {
            yield return RunMode("Smart", seed);
        }
    }

    private bool Runs(string mode) => _modes.Contains(mode, StringComparer.OrdinalIgnoreCase);

    private string RunMode(string mode, string upstream)
    {
        // Pinned: every node's listener at its port less 10000, below the ephemeral range the clients' sockets use.
        using TunnelHostProcess host = TunnelHostProcess.Start(upstream, mode, DescriptorLimit, portOffset: mode == "Pinned" ? -10000 : 0);

        // "Before" is the steady state a user sees: a warm-up round has run every path once (idle crowd arriving and
        // leaving, malformed and oversized inputs, verified commands), and the memory has stopped moving.
        Round(host, mode, Math.Min(_inputs, WarmUpInputs), Math.Min(_idle, WarmUpIdle), out _);
        (long before, TimeSpan beforeSettled) = SettledMemory.Read(host);
        (long verified, long verifyErrors, long sent) = Round(host, mode, _inputs, _idle, out long peak);
        (long after, TimeSpan afterSettled) = host.IsRunning ? SettledMemory.Read(host) : (0, TimeSpan.Zero);
        bool alive = host.IsRunning;
        int lines = host.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        return $"{mode,-11} {(alive ? "yes" : "NO"),8} {verified,10:N0} {verifyErrors,10:N0} {sent,8:N0} {before >> 20,7} MB {peak >> 20,6} MB {after >> 20,6} MB {after / (double)before,12:0.00}"
            + $"   (settled in {beforeSettled.TotalSeconds:0} s / {afterSettled.TotalSeconds:0} s; tunnel log lines {lines:N0})";
    }

    /// <summary>
    /// One round against the tunnel: idle connections held open while malformed and oversized inputs arrive and a
    /// verifying client runs; then every client leaves. Returns the verifying client's successes and errors, the
    /// inputs sent, and the peak resident memory seen.
    /// </summary>
    private static (long Verified, long Errors, long Sent) Round(TunnelHostProcess host, string mode, int inputs, int idleCount, out long peak)
    {
        int port = host.Port;
        long highest = host.ResidentBytes;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested && host.IsRunning)
            {
                highest = Math.Max(highest, host.ResidentBytes);
                await Task.Delay(200).ConfigureAwait(false);
            }
        });
        long verified = 0, verifyErrors = 0;
        var verifier = Task.Run(() => Verify(port, mode != "Pinned", stop.Token, ref verified, ref verifyErrors));

        var idle = new List<Socket>();
        for (int i = 0; i < idleCount; i++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Connect("127.0.0.1", port);
            idle.Add(socket);
        }

        long sent = 0;
        Parallel.For(0, Workers, w =>
        {
            var random = new Random(w);
            for (int i = w; i < inputs; i += Workers)
            {
                SendMalformed(port, i, random);
                Interlocked.Increment(ref sent);
            }
        });

        foreach (Socket socket in idle)
        {
            socket.LingerState = new LingerOption(true, 0);
            socket.Dispose();
        }

        stop.Cancel();
        verifier.Wait();
        sampler.Wait();
        peak = highest;
        return (verified, verifyErrors, sent);
    }

    /// <summary>ECHO (and SET/GET where keys route) with random payloads; any wrong or missing reply is an error.</summary>
    private static void Verify(int port, bool keys, CancellationToken stop, ref long ok, ref long errors)
    {
        var random = new Random(42);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 30000 };
                socket.Connect("127.0.0.1", port);
                for (int i = 0; i < 200 && !stop.IsCancellationRequested; i++)
                {
                    string payload = "v" + random.Next().ToString(CultureInfo.InvariantCulture);
                    string expected = "$" + payload.Length + "\r\n" + payload + "\r\n";
                    if (Call(socket, "ECHO", payload) != expected || (keys && (Call(socket, "SET", "soak:verify", payload) != "+OK\r\n" || Call(socket, "GET", "soak:verify") != expected)))
                    {
                        Interlocked.Increment(ref errors);
                    }
                    else
                    {
                        Interlocked.Increment(ref ok);
                    }
                }
            }
            catch (Exception ex) when (ex is SocketException || ex is IOException)
            {
                Interlocked.Increment(ref errors);
            }
        }
    }

    private static string Call(Socket socket, params string[] args)
    {
        var command = new StringBuilder("*" + args.Length + "\r\n");
        foreach (string arg in args)
        {
            command.Append('$').Append(arg.Length).Append("\r\n").Append(arg).Append("\r\n");
        }

        socket.Send(Encoding.ASCII.GetBytes(command.ToString()));
        var buffer = new byte[256];
        var reply = new StringBuilder();
        do
        {
            int read = socket.Receive(buffer);
            if (read == 0)
            {
                throw new IOException("closed");
            }

            reply.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
        while (!Complete(reply.ToString()));
        return reply.ToString();
    }

    private static bool Complete(string reply)
        => reply.StartsWith('$') ? reply.Split("\r\n").Length >= 3 : reply.EndsWith("\r\n", StringComparison.Ordinal);

    private static readonly string[] Shapes =
    {
        "*-5\r\n", "*2\r\n$-2\r\n", "*1\r\n$4\r\nPINGxx\r\n", "*1\r\n:5\r\n", "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$99999999999\r\n",
        "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$600000000\r\n", "*99999999999\r\n", "*1\r\n*1\r\n$4\r\nPING\r\n", "$4\r\nPING\r\n", "*2\r\n$3\r\nGET\r\n$x\r\n",
        "*1\r\n$4\r\nPING\r\n*zz\r\n", "\r\n\r\n*1\r\n$1\r\n", "*2\r\n$4\r\nECHO\r\n$3\r\nabcdef\r\n",
    };

    /// <summary>One input on a connection of its own: a malformed shape, random bytes, or every 500th an oversized one (a 2 MB inline line or 8 MB of an unfinished value).</summary>
    private static void SendMalformed(int port, int index, Random random)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 2000, SendTimeout = 5000 };
        socket.LingerState = new LingerOption(true, 0);
        try
        {
            socket.Connect("127.0.0.1", port);
            byte[] input;
            if (index % 500 == 499)
            {
                input = index % 1000 == 999
                    ? Encoding.ASCII.GetBytes("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000000\r\n" + new string('x', 8 * 1024 * 1024))
                    : Encoding.ASCII.GetBytes(new string('a', 2 * 1024 * 1024));
            }
            else if (index % 3 == 0)
            {
                input = new byte[random.Next(1, 64)];
                random.NextBytes(input);
            }
            else
            {
                input = Encoding.ASCII.GetBytes(Shapes[index % Shapes.Length]);
            }

            socket.Send(input);

            // End of input: the tunnel answers what it can and closes, rather than waiting for the rest of a frame.
            socket.Shutdown(SocketShutdown.Send);
            var scratch = new byte[512];
            while (socket.Receive(scratch) > 0)
            {
            }
        }
        catch (SocketException)
        {
            // Closed by the tunnel, refused, or no reply to wait for: all are fine for a malformed input.
        }
    }
}
