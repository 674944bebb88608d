using System.Globalization;
using System.Text.RegularExpressions;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Tunnel;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Tunnel;

/// <summary>Pinned mode against a real TLS 3x1 cluster with ACL auth, used by plaintext cluster-aware clients.</summary>
public sealed class PinnedTunnelTests : IClassFixture<PinnedClusterFixture>, IAsyncLifetime
{
    private readonly RedisClusterProcesses _cluster;
    private RedisTunnel? _tunnel;
    private int _offset;

    public PinnedTunnelTests(PinnedClusterFixture fixture)
    {
        _cluster = fixture.Cluster;
    }

    private RedisTunnel Tunnel => _tunnel!;

    public async Task InitializeAsync()
    {
        _cluster.WaitHealthy(TimeSpan.FromSeconds(30));
        _offset = TunnelPorts.FreeOffset(_cluster.Nodes.Select(n => n.ClientPort).ToArray());
        var options = new TunnelOptions(new RedisEndpoint("127.0.0.1", _cluster.SeedPort), StandaloneTunnelTests.TlsAcl())
        {
            Mode = TunnelMode.Pinned,
            PortOffset = _offset,
            TopologyRefreshInterval = TimeSpan.FromMilliseconds(300),
            DrainTimeout = TimeSpan.FromSeconds(2),
        };
        _tunnel = await RedisTunnel.StartAsync(options);
    }

    public async Task DisposeAsync()
    {
        if (_tunnel != null)
        {
            await _tunnel.StopAsync();
        }
    }

    private int LocalPortOf(RedisServer node) => node.ClientPort + _offset;

    private string Cli(int port, params string[] args)
        => RedisCliRunner.RunChecked(new[] { "-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture) }.Concat(args), TimeSpan.FromSeconds(20));

    /// <summary>A key per master, each in a slot that master owns (found from the cluster itself, not assumed).</summary>
    private Dictionary<RedisServer, string> KeyPerMaster()
    {
        var owners = new Dictionary<RedisServer, string>();
        foreach (RedisServer master in _cluster.Masters())
        {
            string nodes = master.Cli("CLUSTER", "MYID");
            for (int i = 0; i < 10_000; i++)
            {
                string key = "tunnel:key:" + i;
                string owner = _cluster.Nodes[0].Cli("CLUSTER", "KEYSLOT", key);
                int slot = int.Parse(owner, CultureInfo.InvariantCulture);
                if (OwnerOf(slot) == master)
                {
                    owners[master] = key;
                    break;
                }
            }
        }

        return owners;
    }

    private RedisServer OwnerOf(int slot)
    {
        foreach (string line in _cluster.Nodes[0].Cli("CLUSTER", "NODES").Split('\n'))
        {
            string[] f = line.Trim().Split(' ');
            if (f.Length < 9 || !f[2].Contains("master"))
            {
                continue;
            }

            foreach (string range in f.Skip(8))
            {
                if (range.StartsWith('['))
                {
                    continue;
                }

                string[] ends = range.Split('-');
                int lo = int.Parse(ends[0], CultureInfo.InvariantCulture), hi = int.Parse(ends[^1], CultureInfo.InvariantCulture);
                if (slot >= lo && slot <= hi)
                {
                    int port = int.Parse(f[1].Split('@')[0].Split(':')[^1], CultureInfo.InvariantCulture);
                    return _cluster.NodeForPort(port);
                }
            }
        }

        throw new InvalidOperationException("No owner for slot " + slot);
    }

    [Fact]
    public void EveryNodeGetsAListenerAtItsPortPlusTheOffset()
    {
        Assert.Equal(TunnelMode.Pinned, Tunnel.Mode);
        IReadOnlyList<TunnelListenerInfo> listeners = Tunnel.Listeners;
        Assert.Equal(6, listeners.Count);
        foreach (RedisServer node in _cluster.Nodes)
        {
            TunnelListenerInfo listener = Assert.Single(listeners, l => l.Upstream.Port == node.ClientPort);
            Assert.Equal(LocalPortOf(node), listener.LocalPort);
            Assert.Equal("127.0.0.1:" + LocalPortOf(node), listener.LocalEndpoint);
        }

        Assert.Equal(3, listeners.Count(l => l.Role == "primary"));
        Assert.Equal(3, listeners.Count(l => l.Role == "replica"));
    }

    [Fact]
    public void RedisCliInClusterModeReachesEveryNodeThroughTheTunnel()
    {
        Dictionary<RedisServer, string> keys = KeyPerMaster();
        Assert.Equal(3, keys.Count);
        int entry = LocalPortOf(_cluster.Nodes[0]);
        foreach (var (master, key) in keys)
        {
            // Entering at one node, redis-cli -c follows the (rewritten) MOVED to the owner's local port.
            Assert.Equal("OK", Cli(entry, "-c", "SET", key, "value-of-" + key));
            Assert.Equal("value-of-" + key, Cli(entry, "-c", "GET", key));
            Assert.Equal("value-of-" + key, Cli(LocalPortOf(master), "GET", key));
        }

        Assert.True(Tunnel.Statistics.CommandsRelayed >= 6);
    }

    [Fact]
    public void TopologyRepliesNameOnlyTheTunnel()
    {
        int entry = LocalPortOf(_cluster.Nodes[1]);
        var localPorts = _cluster.Nodes.Select(LocalPortOf).ToHashSet();
        var upstreamPorts = _cluster.Nodes.Select(n => n.ClientPort).ToHashSet();

        string nodes = Cli(entry, "CLUSTER", "NODES");
        var addresses = Regex.Matches(nodes, @"^\S+ (\S+?):(\d+)@", RegexOptions.Multiline);
        Assert.Equal(6, addresses.Count);
        foreach (Match m in addresses)
        {
            Assert.Equal("127.0.0.1", m.Groups[1].Value);
            Assert.Contains(int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), localPorts);
        }

        using var client = RawRespClient.Connect(entry);
        foreach (string proto in new[] { "2", "3" })
        {
            Assert.False(client.Call("HELLO", proto).IsError);
            RespValue slots = client.Call("CLUSTER", "SLOTS");
            Assert.True(slots.Items.Count >= 3);
            foreach (RespValue range in slots.Items)
            {
                foreach (RespValue node in range.Items.Skip(2))
                {
                    Assert.Equal("127.0.0.1", node.Items[0].GetString());
                    Assert.Contains((int)node.Items[1].Integer, localPorts);
                }
            }

            RespValue shards = client.Call("CLUSTER", "SHARDS");
            Assert.True(shards.Items.Count >= 3);
            foreach (RespValue shard in shards.Items)
            {
                RespValue shardNodes = shard.AsPairs().Single(p => p.Key == "nodes").Value;
                foreach (RespValue node in shardNodes.Items)
                {
                    var fields = node.AsPairs().ToDictionary(p => p.Key, p => p.Value);
                    Assert.Equal("127.0.0.1", fields["ip"].GetString());
                    Assert.Equal("127.0.0.1", fields["endpoint"].GetString());
                    Assert.Contains((int)fields["port"].Integer, localPorts);
                    Assert.False(fields.ContainsKey("tls-port"));
                }
            }

            string text = client.Call("CLUSTER", "NODES").GetString()!;
            foreach (int upstream in upstreamPorts)
            {
                Assert.DoesNotContain(":" + upstream + "@", text);
            }

            // A primary that has a replica in this very view (roles may have moved in a failover test).
            string primaryId = text.Split('\n').Select(l => l.Split(' ')).First(f => f.Length > 3 && f[2].Contains("slave"))[3];
            RespValue replicas = client.Call("CLUSTER", "REPLICAS", primaryId);
            string replicaLine = Assert.Single(replicas.Items).GetString()!;
            Assert.Matches(@"^\S+ 127\.0\.0\.1:(\d+)@", replicaLine);
            Assert.Contains(int.Parse(Regex.Match(replicaLine, @" 127\.0\.0\.1:(\d+)@").Groups[1].Value, CultureInfo.InvariantCulture), localPorts);
        }
    }

    [Fact]
    public void RedirectsArriveRewrittenEvenInsidePipelines()
    {
        Dictionary<RedisServer, string> keys = KeyPerMaster();
        RedisServer first = keys.Keys.First();
        RedisServer other = keys.Keys.Last();
        string otherKey = keys[other];
        int slot = HashSlot.GetSlot(otherKey);

        using var client = RawRespClient.Connect(LocalPortOf(first));
        client.Send(RawRespClient.Encode("PING").Concat(RawRespClient.Encode("GET", otherKey)).Concat(RawRespClient.Encode("PING")).ToArray());
        Assert.Equal("PONG", client.Read().GetString());
        RespValue moved = client.Read();
        Assert.Equal("MOVED " + slot + " 127.0.0.1:" + LocalPortOf(other), moved.GetString());
        Assert.Equal("PONG", client.Read().GetString());
    }

    [Fact]
    public void AMovedCausedByAMigratedSlotIsRewritten()
    {
        Dictionary<RedisServer, string> keys = KeyPerMaster();
        RedisServer source = keys.Keys.First();
        RedisServer target = keys.Keys.Last();

        // A fresh key in a slot of the source with nothing stored in it, so it can be reassigned directly.
        string key = Enumerable.Range(0, 100_000).Select(i => "tunnel:migrate:" + i)
            .First(k => OwnerOf(HashSlot.GetSlot(k)) == source && source.Cli("CLUSTER", "COUNTKEYSINSLOT", HashSlot.GetSlot(k).ToString(CultureInfo.InvariantCulture)) == "0");
        string slot = HashSlot.GetSlot(key).ToString(CultureInfo.InvariantCulture);
        string targetId = target.Cli("CLUSTER", "MYID");
        string sourceId = source.Cli("CLUSTER", "MYID");
        try
        {
            // Target first, so that the slot is never unowned; every master, so that none redirects elsewhere.
            target.Cli("CLUSTER", "SETSLOT", slot, "NODE", targetId);
            foreach (RedisServer master in _cluster.Masters().Where(m => m != target))
            {
                master.Cli("CLUSTER", "SETSLOT", slot, "NODE", targetId);
            }

            using var client = RawRespClient.Connect(LocalPortOf(source));
            RespValue reply = client.Call("SET", key, "v");
            Assert.Equal("MOVED " + slot + " 127.0.0.1:" + LocalPortOf(target), reply.GetString());
            Assert.Equal("OK", Cli(LocalPortOf(source), "-c", "SET", key, "moved-value"));
            Assert.Equal("moved-value", target.Cli("GET", key));
        }
        finally
        {
            target.Cli("DEL", key);
            source.Cli("CLUSTER", "SETSLOT", slot, "NODE", sourceId);
            foreach (RedisServer master in _cluster.Masters().Where(m => m != source))
            {
                master.Cli("CLUSTER", "SETSLOT", slot, "NODE", sourceId);
            }

            _cluster.WaitHealthy(TimeSpan.FromSeconds(30));
        }
    }

    [Fact]
    public async Task ListenersFollowAFailover()
    {
        RedisServer replica = _cluster.Replicas().First();
        int replicaLocal = LocalPortOf(replica);
        replica.Cli("CLUSTER", "FAILOVER");

        // First the cluster itself must agree on the new roles (gossip can lag on a loaded 2-core machine);
        // then the tunnel, which re-reads the topology every 300 ms, must follow.
        var converged = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!replica.Cli("ROLE").StartsWith("master", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < converged, "the replica was not promoted");
            await Task.Delay(100);
        }

        _cluster.WaitHealthy(TimeSpan.FromSeconds(60));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (Tunnel.Listeners.Single(l => l.LocalPort == replicaLocal).Role != "primary" || Tunnel.Listeners.Count(l => l.Role == "primary") != 3)
        {
            Assert.True(DateTime.UtcNow < deadline, "the tunnel did not see the failover: " + string.Join(", ", Tunnel.Listeners));
            await Task.Delay(100);
        }

        _cluster.WaitHealthy(TimeSpan.FromSeconds(30));
        Assert.Equal(3, Tunnel.Listeners.Count(l => l.Role == "primary"));
        Assert.Equal("PONG", Cli(replicaLocal, "PING"));
        Assert.Contains("role:master", Cli(replicaLocal, "INFO", "replication"));
    }

    [Fact]
    public async Task ANodeThatJoinsGetsAListenerAndLosesItWhenItLeaves()
    {
        using RedisServer joiner = RedisServer.Start(new RedisServerOptions
        {
            Name = "tunnel-joiner",
            Cluster = true,
            Port = null,
            TlsPort = 0,
            AclUsers = new[] { (StandaloneFixture.AclUser, StandaloneFixture.AclPassword) },
        });
        RedisServer seed = _cluster.Masters().First();
        string joinerId = joiner.Cli("CLUSTER", "MYID");
        try
        {
            seed.Cli("CLUSTER", "MEET", "127.0.0.1", joiner.ClientPort.ToString(CultureInfo.InvariantCulture));
            TunnelListenerInfo added = await WaitForAsync(() => Tunnel.Listeners.FirstOrDefault(l => l.Upstream.Port == joiner.ClientPort), "a listener for the new node");
            Assert.Equal(joiner.ClientPort + _offset, added.LocalPort);
            Assert.Equal(joinerId, added.NodeId);
            Assert.Equal("PONG", Cli(added.LocalPort, "PING"));
        }
        finally
        {
            joiner.Stop();
            foreach (RedisServer node in _cluster.Nodes.Where(n => n.IsRunning))
            {
                node.Cli("CLUSTER", "FORGET", joinerId);
            }
        }

        await WaitForAsync(() => Tunnel.Listeners.All(l => l.Upstream.Port != joiner.ClientPort) ? "gone" : null, "the listener of the node that left to close");
        Assert.Equal(6, Tunnel.Listeners.Count);
    }

    private static async Task<T> WaitForAsync<T>(Func<T?> probe, string what)
        where T : class
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            T? value = probe();
            if (value != null)
            {
                return value;
            }

            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for " + what);
            await Task.Delay(100);
        }
    }
}
