using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace RedisCluster.Tests.Infrastructure;

/// <summary>
/// A real Redis Cluster of child redis-server processes on loopback, created with
/// <c>redis-cli --cluster create</c>. A TLS cluster has no plaintext ports at all (<c>port 0</c>,
/// <c>tls-cluster yes</c>, <c>tls-replication yes</c>): every client port, the announced ports and
/// the bus (TLS port + 10000) are TLS, and <see cref="RedisServer.Cli"/> goes over TLS.
/// </summary>
public sealed class RedisClusterProcesses : IDisposable
{
    /// <summary>Hard limit for <c>redis-cli --cluster create</c> (it waits forever when the bus cannot join).</summary>
    public static readonly TimeSpan CreateTimeout = TimeSpan.FromSeconds(60);

    private readonly RedisServer[] _nodes;
    private bool _disposed;

    private RedisClusterProcesses(RedisServer[] nodes, int masters, int replicasPerMaster, bool tls)
    {
        _nodes = nodes;
        MasterCount = masters;
        ReplicasPerMaster = replicasPerMaster;
        IsTls = tls;
    }

    /// <summary>All nodes in creation order: the first <see cref="MasterCount"/> were created as masters.</summary>
    public IReadOnlyList<RedisServer> Nodes => _nodes;

    public bool IsTls { get; }

    public int MasterCount { get; }

    public int ReplicasPerMaster { get; }

    public string Host => "127.0.0.1";

    /// <summary>
    /// Client port of the first node (a master at creation; the TLS port for a TLS cluster). If that node
    /// is no longer running, the client port of the first node that is.
    /// </summary>
    public int SeedPort => (_nodes[0].IsRunning ? _nodes[0] : _nodes.FirstOrDefault(n => n.IsRunning) ?? _nodes[0]).ClientPort;

    /// <summary>Total time from Start() until the cluster was healthy.</summary>
    public TimeSpan StartupTime { get; private set; }

    /// <summary>Start-up phases: node processes, redis-cli --cluster create, wait until healthy.</summary>
    public string StartupBreakdown { get; private set; } = "";

    /// <summary>
    /// Starts masters*(1+replicasPerMaster) cluster nodes, creates the cluster and waits until every node
    /// reports cluster_state:ok, every node knows every other node (no handshake/fail flags) and every
    /// replica has master_link_status:up.
    /// </summary>
    public static RedisClusterProcesses Start(
        int masters = 3, int replicasPerMaster = 1, bool tls = false, IEnumerable<(string user, string pass)>? aclUsers = null)
    {
        if (masters < 3)
        {
            throw new ArgumentOutOfRangeException(nameof(masters), masters, "redis-cli --cluster create needs at least 3 masters.");
        }
        if (replicasPerMaster < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(replicasPerMaster), replicasPerMaster, "Must be >= 0.");
        }
        var total = Stopwatch.StartNew();
        _ = RedisExecutables.Server; // fail loudly before anything else
        _ = RedisExecutables.Cli;
        var users = (aclUsers ?? Array.Empty<(string, string)>()).Select(u => (User: u.user, Password: u.pass)).ToArray();
        var options = new RedisServerOptions
        {
            Name = tls ? "tls-cluster" : "cluster",
            Cluster = true,
            Port = tls ? null : 0,
            TlsPort = tls ? 0 : null,
            AclUsers = users,
        };

        int count = masters * (1 + replicasPerMaster);
        RedisServer[] nodes = StartNodes(options, count);
        TimeSpan nodesTime = total.Elapsed;
        var cluster = new RedisClusterProcesses(nodes, masters, replicasPerMaster, tls);
        try
        {
            cluster.Create();
            TimeSpan createTime = total.Elapsed - nodesTime;
            cluster.WaitUntil(strict: true, TimeSpan.FromSeconds(60));
            cluster.StartupTime = total.Elapsed;
            cluster.StartupBreakdown = string.Format(
                CultureInfo.InvariantCulture,
                "{0} nodes started in {1:0.00} s, --cluster create {2:0.00} s, healthy after {3:0.00} s more; total {4:0.00} s",
                count, nodesTime.TotalSeconds, createTime.TotalSeconds,
                (total.Elapsed - nodesTime - createTime).TotalSeconds, total.Elapsed.TotalSeconds);
            return cluster;
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    /// <summary>Starts <paramref name="count"/> servers at once (empty, and in no cluster when <c>Cluster</c> is set).</summary>
    internal static RedisServer[] StartNodes(RedisServerOptions options, int count)
    {
        // Dedicated threads (LongRunning), not pool threads: every start blocks while polling its server,
        // and blocking the pool on 2 cores delays everything else in the test run.
        var tasks = Enumerable.Range(0, count)
            .Select(i => Task.Factory.StartNew(
                () => RedisServer.Start(options with { Name = $"{options.Name}{i}" }),
                CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default))
            .ToArray();
        try
        {
            Task.WaitAll(tasks);
        }
        catch (AggregateException e)
        {
            foreach (Task<RedisServer> t in tasks.Where(t => t.Status == TaskStatus.RanToCompletion))
            {
                t.Result.Dispose();
            }
            Exception first = e.Flatten().InnerExceptions[0];
            throw new InvalidOperationException($"Could not start the cluster nodes: {first.Message}", first);
        }
        return tasks.Select(t => t.Result).ToArray();
    }

    private void Create()
    {
        var args = new List<string>();
        if (IsTls)
        {
            args.AddRange(RedisServer.TlsCliArgs());
        }
        args.Add("--cluster");
        args.Add("create");
        args.AddRange(_nodes.Select(n => $"{n.Host}:{n.ClientPort.ToString(CultureInfo.InvariantCulture)}"));
        args.Add("--cluster-replicas");
        args.Add(ReplicasPerMaster.ToString(CultureInfo.InvariantCulture));
        args.Add("--cluster-yes");

        RedisCliRunner.Result result;
        try
        {
            result = RedisCliRunner.Run(args, CreateTimeout);
        }
        catch (TimeoutException e)
        {
            throw new InvalidOperationException(
                "redis-cli --cluster create timed out (with TLS: does the server certificate carry both serverAuth and " +
                $"clientAuth EKU?).\n{e.Message}\n{NodeLogs()}", e);
        }
        if (result.ExitCode != 0 || !result.Stdout.Contains("[OK] All 16384 slots covered", StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                $"redis-cli --cluster create failed (exit {result.ExitCode}).\n--- stdout ---\n{result.Stdout}\n" +
                $"--- stderr ---\n{result.Stderr}\n{NodeLogs()}");
        }
    }

    /// <summary>The nodes that currently answer ROLE with "master" (live query: failovers change roles).</summary>
    public IReadOnlyList<RedisServer> Masters() => NodesWithRole("master");

    /// <summary>The nodes that currently answer ROLE with "slave" (live query).</summary>
    public IReadOnlyList<RedisServer> Replicas() => NodesWithRole("slave");

    private List<RedisServer> NodesWithRole(string role)
    {
        var result = new List<RedisServer>();
        foreach (RedisServer node in _nodes.Where(n => n.IsRunning))
        {
            try
            {
                if (node.Execute("ROLE") is object?[] reply && reply.Length > 0 && (reply[0] as string) == role)
                {
                    result.Add(node);
                }
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidOperationException
                                          or System.Security.Authentication.AuthenticationException or OperationCanceledException)
            {
                // the node is going down: it has no role
            }
        }
        return result;
    }

    /// <summary>The node whose plaintext or TLS port is <paramref name="port"/>.</summary>
    public RedisServer NodeForPort(int port) =>
        _nodes.FirstOrDefault(n => (n.Port != 0 && n.Port == port) || n.TlsPort == port)
        ?? throw new ArgumentException($"No node of this cluster listens on port {port}.", nameof(port));

    /// <summary>
    /// Waits until every running node reports cluster_state:ok, every running replica has
    /// master_link_status:up, no running node flags another running node as failed/handshake, and in
    /// every running node's view every master that owns slots is a running node (so after a kill this
    /// waits for the failover to complete, not just for the failure to go unnoticed). Reusable after
    /// failover and kill tests. Throws <see cref="TimeoutException"/> with every node's view.
    /// </summary>
    public void WaitHealthy(TimeSpan timeout) => WaitUntil(strict: false, timeout);

    /// <summary>
    /// Waits until every replica has acknowledged everything its primary had written when this was called (ROLE on the
    /// primary lists each replica's acknowledged offset). WAIT cannot stand in for this: it counts only the writes of the
    /// connection it runs on, and when its timeout passes it returns early without failing anything.
    /// </summary>
    public void WaitReplicated(TimeSpan timeout)
    {
        var written = Masters().Select(m => (Node: m, Offset: (long)((object?[])m.Execute("ROLE")!)[1]!)).ToList();
        bool Acknowledged((RedisServer Node, long Offset) primary)
            => primary.Node.Execute("ROLE") is object?[] role && role[2] is object?[] replicas && replicas.Length > 0
               && replicas.All(r => r is object?[] fields && long.Parse((string)fields[2]!, CultureInfo.InvariantCulture) >= primary.Offset);
        if (!Poll.Until(() => written.All(Acknowledged), timeout))
        {
            throw new TimeoutException($"Replicas did not acknowledge their primaries' writes within {timeout.TotalSeconds:0.#} s.\n{NodeLogs(lines: 15)}");
        }
    }

    private void WaitUntil(bool strict, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        string problems;
        while (true)
        {
            problems = Diagnose(strict);
            if (problems.Length == 0)
            {
                return;
            }
            if (sw.Elapsed > timeout)
            {
                break;
            }
            Thread.Sleep(50);
        }
        throw new TimeoutException(
            $"Cluster not healthy after {timeout.TotalSeconds:0.#} s:\n{problems}\n{NodeLogs(lines: 15)}");
    }

    /// <summary>Empty when healthy, else one line per problem.</summary>
    private string Diagnose(bool strict)
    {
        var problems = new StringBuilder();
        RedisServer[] live = _nodes.Where(n => n.IsRunning).ToArray();
        if (live.Length == 0)
        {
            return "no node is running";
        }
        int liveMasters = 0;
        foreach (RedisServer node in live)
        {
            string name = $"node {node.ClientPort}";
            try
            {
                string info = (string)node.Execute("CLUSTER", "INFO")!;
                if (!info.Contains("cluster_state:ok", StringComparison.Ordinal))
                {
                    problems.AppendLine($"{name}: cluster_state is not ok");
                }
                string replication = (string)node.Execute("INFO", "replication")!;
                if (replication.Contains("role:master", StringComparison.Ordinal))
                {
                    liveMasters++;
                }
                else if (!replication.Contains("master_link_status:up", StringComparison.Ordinal))
                {
                    problems.AppendLine($"{name}: replica without master_link_status:up");
                }

                string[] lines = ((string)node.Execute("CLUSTER", "NODES")!)
                    .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                if (strict && lines.Length != _nodes.Length)
                {
                    problems.AppendLine($"{name}: knows {lines.Length} of {_nodes.Length} nodes");
                }

                // A replica's role reaches the other nodes by gossip; until then they list it as an empty master.
                int mastersSeen = lines.Count(l => l.Split(' ').Length > 2 && l.Split(' ')[2].Split(',').Contains("master"));
                if (strict && mastersSeen != MasterCount)
                {
                    problems.AppendLine($"{name}: sees {mastersSeen} masters, expected {MasterCount}");
                }

                // After a failover, every node must agree on who serves the slots: exactly one healthy owner per shard.
                int servingMasters = lines.Count(l =>
                {
                    string[] f = l.Split(' ');
                    string[] flags = f.Length > 2 ? f[2].Split(',') : Array.Empty<string>();
                    return f.Length > 8 && flags.Contains("master") && !flags.Contains("fail") && !flags.Contains("fail?");
                });
                if (servingMasters != MasterCount)
                {
                    problems.AppendLine($"{name}: sees {servingMasters} masters serving slots, expected {MasterCount}");
                }
                foreach (string line in lines)
                {
                    string[] f = line.Split(' ');
                    if (f.Length < 8)
                    {
                        continue;
                    }
                    string address = f[1].Split('@')[0];
                    int port = int.Parse(address[(address.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);
                    RedisServer? peer = _nodes.FirstOrDefault(n => n.ClientPort == port);
                    bool peerLive = peer is not null && peer.IsRunning;
                    string[] flags = f[2].Split(',');
                    bool bad = flags.Any(x => x is "fail" or "fail?" or "handshake" or "noaddr");
                    if (bad && (strict || peerLive))
                    {
                        problems.AppendLine($"{name}: sees {address} as {f[2]}");
                    }
                    bool ownsSlots = f.Length > 8;
                    if (flags.Contains("master") && ownsSlots && !peerLive)
                    {
                        problems.AppendLine($"{name}: slots still owned by stopped master {address} ({f[2]})");
                    }
                }
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidOperationException
                                          or System.Security.Authentication.AuthenticationException or OperationCanceledException)
            {
                problems.AppendLine($"{name}: {e.GetType().Name}: {e.Message}");
            }
        }
        if (strict && liveMasters != MasterCount)
        {
            problems.AppendLine($"{liveMasters} masters, expected {MasterCount}");
        }
        return problems.ToString();
    }

    private string NodeLogs(int lines = 20)
    {
        var sb = new StringBuilder();
        foreach (RedisServer node in _nodes)
        {
            sb.Append("--- ").Append(node).Append(" log tail ---\n").Append(node.LogTail(lines)).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>Stops every node (SIGTERM to all at once, SIGKILL after 5 s) and deletes their directories.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        // SIGTERM all nodes first, so they shut down concurrently, then wait for and clean up each one.
        foreach (RedisServer node in _nodes.Where(n => n.IsRunning))
        {
            PosixProcess.Signal(node.Pid, PosixProcess.SIGTERM);
        }
        foreach (RedisServer node in _nodes)
        {
            node.Dispose();
        }
    }

    public override string ToString() =>
        $"{(IsTls ? "TLS " : "")}cluster {MasterCount}x{ReplicasPerMaster} ports " +
        string.Join(',', _nodes.Select(n => n.ClientPort.ToString(CultureInfo.InvariantCulture)));
}
