using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace RedisCluster.Tests.Infrastructure;

/// <summary>
/// One real redis-server child process (no shell, <c>daemonize no</c>) with a generated config in a
/// fresh temp directory. Killed at process exit even if never disposed (see <see cref="ProcessCleanup"/>).
/// </summary>
public sealed class RedisServer : IDisposable
{
    private const int MaxCapturedOutput = 64 * 1024;
    private const int StartAttempts = 3;

    private readonly Process _process;
    private readonly StringBuilder _output;
    private readonly object _lifecycleLock = new();
    private bool _disposed;

    private RedisServer(RedisServerOptions options, string directory, Process process, StringBuilder output)
    {
        Options = options;
        Directory = directory;
        _process = process;
        _output = output;
        Pid = process.Id;
    }

    /// <summary>Always the IPv4 loopback address the server binds to.</summary>
    public string Host => "127.0.0.1";

    /// <summary>The plaintext port, or 0 if the server has none (TLS only).</summary>
    public int Port => Options.Port ?? 0;

    /// <summary>The TLS port, or null without TLS.</summary>
    public int? TlsPort => Options.TlsPort;

    /// <summary>The port clients use: the plaintext port if there is one, else the TLS port.</summary>
    public int ClientPort => Port != 0 ? Port : TlsPort!.Value;

    /// <summary>True when the server has only a TLS port (then <see cref="Cli"/> goes over TLS).</summary>
    public bool IsTlsOnly => Port == 0;

    public int Pid { get; }

    public string Directory { get; }

    public string LogPath => Path.Combine(Directory, "redis.log");

    public string ConfigPath => Path.Combine(Directory, "redis.conf");

    /// <summary>The options the server was started with, with the picked ports filled in.</summary>
    public RedisServerOptions Options { get; }

    /// <summary>Time from Start() to the first PING answer.</summary>
    public TimeSpan StartupTime { get; private set; }

    /// <summary>False once the process has exited (a zombie counts as exited).</summary>
    public bool IsRunning => PosixProcess.IsRunning(_process);

    /// <summary>
    /// Starts redis-server and waits until it answers PING. Auto-picked ports (0) that turn out to be
    /// taken are re-picked (up to 3 attempts). Throws with the log tail if the server does not come up.
    /// </summary>
    public static RedisServer Start(RedisServerOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        Validate(o);
        string serverPath = RedisExecutables.Server; // fails loudly if missing
        bool autoPorts = o.Port == 0 || o.TlsPort == 0;
        for (int attempt = 1; ; attempt++)
        {
            RedisServerOptions resolved = o with
            {
                Port = o.Port == 0 ? FreePorts.Pick(o.Cluster && !o.EffectiveTlsCluster) : o.Port,
                TlsPort = o.TlsPort == 0 ? FreePorts.Pick(o.Cluster && o.EffectiveTlsCluster) : o.TlsPort,
            };
            try
            {
                return StartOnce(serverPath, resolved);
            }
            catch (RedisServerStartException e) when (autoPorts && e.PortInUse && attempt < StartAttempts)
            {
                // Another process grabbed a port between the check and redis binding it: pick new ones.
            }
        }
    }

    private static void Validate(RedisServerOptions o)
    {
        if (o.Port is null && o.TlsPort is null)
        {
            throw new ArgumentException("A server needs a plaintext port, a TLS port or both.", nameof(o));
        }
        if (o.TlsAuthClients is not ("no" or "optional" or "yes"))
        {
            throw new ArgumentException($"TlsAuthClients must be no, optional or yes (got '{o.TlsAuthClients}').", nameof(o));
        }
        if (o.TlsPort is null && (o.TlsCluster == true || o.TlsReplication == true))
        {
            throw new ArgumentException("tls-cluster / tls-replication need a TLS port.", nameof(o));
        }
    }

    private static RedisServer StartOnce(string serverPath, RedisServerOptions o)
    {
        var sw = Stopwatch.StartNew();
        string dir = TestDirectories.NewDirectory(o.Name);
        string configPath = Path.Combine(dir, "redis.conf");
        File.WriteAllText(configPath, BuildConfig(o, dir));

        var psi = new ProcessStartInfo(serverPath)
        {
            UseShellExecute = false,
            WorkingDirectory = dir,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.ArgumentList.Add(configPath);
        var output = new StringBuilder();
        var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {serverPath}.");
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close();
        File.WriteAllText(Path.Combine(dir, TestDirectories.RedisPidFile), process.Id.ToString(CultureInfo.InvariantCulture));

        var server = new RedisServer(o, dir, process, output);
        ProcessCleanup.Track(server);
        try
        {
            server.WaitReady(o.StartTimeout);
        }
        catch (Exception e)
        {
            string log = server.LogTail(60);
            string stdio = server.CapturedOutput();
            string config = File.ReadAllText(configPath);
            server.Kill();
            server.DisposeCore(deleteDirectory: true);
            bool portInUse = (log + stdio).Contains("Address already in use", StringComparison.Ordinal);
            throw new RedisServerStartException(
                $"redis-server '{o.Name}' (port {o.Port?.ToString(CultureInfo.InvariantCulture) ?? "-"}, tls-port " +
                $"{o.TlsPort?.ToString(CultureInfo.InvariantCulture) ?? "-"}) did not come up: {e.Message}\n" +
                $"--- log tail ({server.LogPath}) ---\n{log}\n--- stdout/stderr ---\n{stdio}\n--- config ---\n{config}",
                portInUse, e);
        }
        server.StartupTime = sw.Elapsed;
        return server;
    }

    private static void Append(StringBuilder sb, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (sb)
        {
            if (sb.Length < MaxCapturedOutput)
            {
                sb.AppendLine(line);
            }
        }
    }

    internal static string BuildConfig(RedisServerOptions o, string dir)
    {
        var c = new StringBuilder();
        void Line(string text) => c.Append(text).Append('\n');

        Line("# generated by RedisCluster.Tests.Infrastructure.RedisServer");
        Line("bind 127.0.0.1");
        Line($"port {o.Port ?? 0}");
        Line("daemonize no");
        Line($"dir {Quote(dir)}");
        Line($"logfile {Quote(Path.Combine(dir, "redis.log"))}");
        Line("loglevel notice");
        Line("save \"\"");
        Line("appendonly no");
        Line("repl-diskless-sync-delay 0");
        // Replicas show up as healthy in CLUSTER SHARDS/SLOTS only after the first replication ping (10 s by default).
        Line("repl-ping-replica-period 1");
        Line("enable-debug-command local");
        Line("protected-mode no");
        if (o.TlsPort is int tlsPort)
        {
            TestCertificates certs = TestCertificates.Shared;
            Line($"tls-port {tlsPort}");
            Line($"tls-cert-file {Quote(certs.ServerCertPath)}");
            Line($"tls-key-file {Quote(certs.ServerKeyPath)}");
            Line($"tls-ca-cert-file {Quote(certs.CaCertPath)}");
            Line($"tls-auth-clients {o.TlsAuthClients}");
            Line($"tls-replication {(o.EffectiveTlsReplication ? "yes" : "no")}");
            if (o.Cluster)
            {
                Line($"tls-cluster {(o.EffectiveTlsCluster ? "yes" : "no")}");
            }
        }
        if (o.Cluster)
        {
            Line("cluster-enabled yes");
            Line("cluster-config-file nodes.conf");
            Line($"cluster-node-timeout {o.ClusterNodeTimeoutMs}");
        }
        foreach ((string user, string password) in o.AclUsers)
        {
            Line($"user {Quote(user)} on {Quote(">" + password)} \"~*\" \"&*\" \"+@all\"");
        }
        if (o.RequirePassForDefault is string pass)
        {
            Line($"requirepass {Quote(pass)}");
            Line($"masterauth {Quote(pass)}");
        }
        foreach (string extra in o.ExtraConfig)
        {
            Line(extra);
        }
        return c.ToString();
    }

    /// <summary>Quotes a config argument for redis' sdssplitargs.</summary>
    private static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private void WaitReady(TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        string? lastReply = null;
        while (true)
        {
            if (!IsRunning)
            {
                throw new InvalidOperationException($"redis-server exited during startup (exit code {SafeExitCode()}).");
            }
            if (MiniRespClient.TryPing(Host, ClientPort, tls: IsTlsOnly, TimeSpan.FromSeconds(1), out lastReply))
            {
                return;
            }
            if (sw.Elapsed > timeout)
            {
                throw new TimeoutException($"no PING answer on port {ClientPort} within {timeout.TotalSeconds:0.#} s (last: {lastReply}).");
            }
            Thread.Sleep(10);
        }
    }

    private string SafeExitCode()
    {
        try
        {
            return _process.HasExited ? _process.ExitCode.ToString(CultureInfo.InvariantCulture) : "?";
        }
        catch (InvalidOperationException)
        {
            return "?";
        }
    }

    /// <summary>
    /// Runs redis-cli against this server and returns stdout, trimmed. Uses the plaintext port, or TLS
    /// when the server has no plaintext port. Adds --user default --pass when the default user has a
    /// password. Throws if redis-cli exits non-zero. Note: redis-cli exits 0 on error replies and prints
    /// them ("ERR ...") on stdout.
    /// </summary>
    public string Cli(params string[] args) =>
        RedisCliRunner.RunChecked(ConnectionArgs(IsTlsOnly).Concat(args), RedisCliRunner.DefaultTimeout);

    /// <summary>Like <see cref="Cli"/> but always over the TLS port (--tls --cacert, client cert and key).</summary>
    public string CliTls(params string[] args)
    {
        return RedisCliRunner.RunChecked(ConnectionArgs(tls: true).Concat(args), RedisCliRunner.DefaultTimeout);
    }

    /// <summary>The redis-cli arguments that reach this server (host, port, TLS files, auth, --no-auth-warning).</summary>
    public IReadOnlyList<string> CliConnectionArgs(bool tls) => ConnectionArgs(tls);

    private List<string> ConnectionArgs(bool tls)
    {
        if (tls && TlsPort is null)
        {
            throw new InvalidOperationException($"{this} has no TLS port.");
        }
        if (!tls && Port == 0)
        {
            throw new InvalidOperationException($"{this} has no plaintext port.");
        }
        var args = new List<string> { "-h", Host, "-p", (tls ? TlsPort!.Value : Port).ToString(CultureInfo.InvariantCulture) };
        if (tls)
        {
            args.AddRange(TlsCliArgs());
        }
        if (Options.RequirePassForDefault is string pass)
        {
            args.AddRange(new[] { "--user", "default", "--pass", pass });
        }
        args.Add("--no-auth-warning");
        return args;
    }

    internal static string[] TlsCliArgs()
    {
        TestCertificates certs = TestCertificates.Shared;
        return new[] { "--tls", "--cacert", certs.CaCertPath, "--cert", certs.ClientCertPath, "--key", certs.ClientKeyPath };
    }

    /// <summary>Runs one command on the client port with the fixtures' tiny RESP client (no process spawn).</summary>
    internal object? Execute(params string[] command) =>
        MiniRespClient.Execute(Host, ClientPort, IsTlsOnly, Options.RequirePassForDefault, TimeSpan.FromSeconds(5), command);

    /// <summary>
    /// How many clients the server holds blocked (INFO clients: blocked_clients): a test waits for it to rise to know
    /// that its blocking command has reached the server, instead of sleeping and hoping.
    /// </summary>
    public int BlockedClients()
    {
        string info = (string)Execute("INFO", "clients")!;
        string line = info.Split('\n').Single(l => l.StartsWith("blocked_clients:", StringComparison.Ordinal));
        return int.Parse(line["blocked_clients:".Length..].Trim(), CultureInfo.InvariantCulture);
    }

    /// <summary>The last lines of the server log (empty if there is none yet).</summary>
    public string LogTail(int lines = 40)
    {
        try
        {
            if (!File.Exists(LogPath))
            {
                return "(no log file)";
            }
            string[] all = File.ReadAllLines(LogPath);
            return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
        }
        catch (IOException e)
        {
            return $"(log unreadable: {e.Message})";
        }
    }

    private string CapturedOutput()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }

    /// <summary>SIGKILL, then wait (up to 5 s) until the process is gone or a zombie.</summary>
    public void Kill()
    {
        lock (_lifecycleLock)
        {
            if (IsRunning)
            {
                PosixProcess.Signal(Pid, PosixProcess.SIGKILL);
                PosixProcess.WaitStopped(_process, TimeSpan.FromSeconds(5));
            }
        }
    }

    /// <summary>SIGTERM, wait up to 5 s, then SIGKILL. An exited or zombie process counts as stopped.</summary>
    public void Stop()
    {
        lock (_lifecycleLock)
        {
            if (!IsRunning)
            {
                return;
            }
            PosixProcess.Signal(Pid, PosixProcess.SIGTERM);
            if (!PosixProcess.WaitStopped(_process, TimeSpan.FromSeconds(5)))
            {
                PosixProcess.Signal(Pid, PosixProcess.SIGKILL);
                PosixProcess.WaitStopped(_process, TimeSpan.FromSeconds(5));
            }
        }
    }

    /// <summary>Stops the server and deletes its temp directory (kept if REDIS_TEST_KEEP_DIRS=1).</summary>
    public void Dispose()
    {
        Stop();
        DisposeCore(deleteDirectory: true);
    }

    private void DisposeCore(bool deleteDirectory)
    {
        lock (_lifecycleLock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
        }
        ProcessCleanup.Untrack(this);
        if (deleteDirectory)
        {
            TestDirectories.Delete(Directory);
        }
        _process.Dispose();
    }

    public override string ToString() =>
        $"redis-server pid {Pid} {Host}:{(Port != 0 ? Port.ToString(CultureInfo.InvariantCulture) : "-")}" +
        (TlsPort is int t ? $" tls:{t}" : "") + (Options.Cluster ? " [cluster]" : "");
}
