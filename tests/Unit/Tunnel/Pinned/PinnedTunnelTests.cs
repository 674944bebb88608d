using System.Globalization;
using System.Text.RegularExpressions;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Tunnel;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Tunnel.Pinned;

/// <summary>Pinned mode over a TLS 3x1 cluster that these tests leave as they found it.</summary>
public sealed class PinnedTunnelTests : PinnedTunnelTestBase, IClassFixture<PinnedClusterFixture>
{
    public PinnedTunnelTests(PinnedClusterFixture fixture)
        : base(fixture)
    {
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
}
