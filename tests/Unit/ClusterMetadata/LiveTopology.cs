using System.Diagnostics;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Protocol;
using RedisCluster.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace RedisCluster.Tests.ClusterMetadata;

/// <summary>The checks both live clusters (plaintext and TLS) must pass, in RESP2 and RESP3.</summary>
internal static class LiveTopology
{
    // Roles reach the seed's view by gossip within a ping or two of the fixture being ready; the bound only ends a wait
    // that would never succeed (a loaded machine slows gossip down).
    private static readonly TimeSpan RolesTimeout = Poll.Deadline;

    public static async Task AllThreeRepliesAgree(RedisClusterProcesses cluster, int protocol, ITestOutputHelper output)
    {
        bool tls = cluster.IsTls;
        using RedisConnection connection = await LiveConnections.OpenAsync(cluster.SeedPort, protocol, tls);
        Assert.Equal(protocol, connection.Protocol);

        var sw = Stopwatch.StartNew();
        (ClusterTopology shards, ClusterTopology slots, ClusterTopology nodes) = await ReadAll(connection, tls);
        async Task<bool> Known()
        {
            (shards, slots, nodes) = await ReadAll(connection, tls);
            return RolesKnown(shards, nodes);
        }

        // When the roles are still unknown at the deadline, the assertions below say what is missing.
        await Poll.UntilAsync(Known, RolesTimeout);

        output.WriteLine($"roles known after {sw.Elapsed.TotalSeconds:0.00} s: SHARDS {shards}; SLOTS {slots}; NODES {nodes}; "
            + $"SHARDS health {string.Join(",", shards.Nodes.Select(n => n.Health))}");
        ClusterTopology loaded = await ClusterTopologyLoader.LoadAsync(connection, CancellationToken.None);
        var clientPorts = cluster.Nodes.Select(n => n.ClientPort).OrderBy(p => p).ToArray();
        var primaryPorts = cluster.Masters().Select(n => n.ClientPort).OrderBy(p => p).ToArray();
        // A fresh cluster's replicas stay out of CLUSTER SLOTS (and "loading" in SHARDS) until they have
        // gossiped a non-zero replication offset, which waits for the primary's periodic replication PING
        // (repl-ping-replica-period, 10 s). ReadAll checks SLOTS lists exactly the replicas SHARDS calls online.
        Assert.All(shards.Replicas, r => Assert.True(r.Health is ClusterNodeHealth.Online or ClusterNodeHealth.Loading, r.ToString()));
        Assert.Equal(3, slots.Primaries.Count);
        Assert.True(slots.CoversAllSlots);
        foreach (ClusterTopology t in new[] { shards, nodes, loaded })
        {
            Assert.True(3 == t.Primaries.Count && 3 == t.Replicas.Count, "Not 3 + 3:\n" + string.Join("\n", t.Nodes));
            Assert.True(t.CoversAllSlots);
            Assert.Equal(clientPorts, t.Nodes.Select(n => n.Endpoint!.Port).OrderBy(p => p).ToArray());
        }

        foreach (ClusterTopology t in new[] { shards, slots, nodes, loaded })
        {
            Assert.Equal(primaryPorts, t.Primaries.Select(n => n.Endpoint!.Port).OrderBy(p => p).ToArray());
            foreach (ClusterNode node in t.Nodes)
            {
                Assert.Equal("127.0.0.1", node.Endpoint!.Host);
                if (tls)
                {
                    // The TLS cluster has no plaintext ports at all.
                    Assert.Equal(node.Endpoint.Port, node.TlsPort);
                    Assert.Equal(0, node.Port);
                }
                else
                {
                    Assert.Equal(node.Endpoint.Port, node.Port);
                    Assert.Null(node.TlsPort);
                }

                if (node.IsReplica)
                {
                    Assert.True(t.FindById(node.PrimaryId!)!.IsPrimary);
                    Assert.Empty(node.Slots);
                }
            }

        }

        foreach (ClusterNode primary in shards.Primaries)
        {
            Assert.Single(shards.GetReplicasOf(primary.Id));
            Assert.Single(nodes.GetReplicasOf(primary.Id));
        }

        // One owner per slot, the same in all three replies, and consistent ids and replica links.
        for (int slot = 0; slot < SlotRange.SlotCount; slot++)
        {
            ClusterNode owner = shards.GetPrimaryForSlot(slot)!;
            Assert.Equal(owner.Id, slots.GetPrimaryForSlot(slot)!.Id);
            Assert.Equal(owner.Id, nodes.GetPrimaryForSlot(slot)!.Id);
            Assert.Equal(owner.Id, loaded.GetPrimaryForSlot(slot)!.Id);
        }

        foreach (ClusterNode node in shards.Nodes)
        {
            Assert.Equal(node.Endpoint, nodes.FindById(node.Id)!.Endpoint);
            Assert.Equal(node.PrimaryId, nodes.FindById(node.Id)!.PrimaryId);
            Assert.Equal(node.Role, nodes.FindById(node.Id)!.Role);
            Assert.Equal(node.Slots, nodes.FindById(node.Id)!.Slots);
            Assert.Same(node, shards.FindByEndpoint(node.Endpoint!));
            if (slots.FindById(node.Id) is { } inSlots)
            {
                Assert.Equal(node.Endpoint, inSlots.Endpoint);
                Assert.Equal(node.PrimaryId, inSlots.PrimaryId);
                Assert.Equal(node.Slots, inSlots.Slots);
            }
        }

        ClusterNode myself = nodes.Nodes.Single(n => n.IsMyself);
        Assert.Equal(connection.Endpoint, myself.Endpoint);
    }

    /// <summary>A read of a key owned elsewhere is redirected to the owner the topology names, with the client's port.</summary>
    public static async Task MovedPointsAtTheTopologyOwner(RedisClusterProcesses cluster, int protocol)
    {
        using RedisConnection connection = await LiveConnections.OpenAsync(cluster.SeedPort, protocol, cluster.IsTls);
        ClusterTopology topology = await ClusterTopologyLoader.LoadAsync(connection, CancellationToken.None);
        ClusterNode seed = topology.FindByEndpoint(connection.Endpoint)!;

        for (int i = 0; ; i++)
        {
            string key = "cluster-metadata-moved-" + i;
            int slot = (int)(await connection.ExecuteAsync(RedisCommand.Create("CLUSTER", "KEYSLOT", key))).Integer;
            ClusterNode owner = topology.GetPrimaryForSlot(slot)!;
            if (owner.Id == seed.Id)
            {
                continue;
            }

            RespValue reply = await connection.ExecuteAsync(RedisCommand.Create("GET", key));
            Assert.True(ClusterRedirect.TryParse(reply, out ClusterRedirect? redirect), reply.ToString());
            Assert.Equal(RedirectKind.Moved, redirect!.Kind);
            Assert.Equal(slot, redirect.Slot);
            Assert.Equal(owner.Endpoint, redirect.ResolveEndpoint(connection.Endpoint));
            Assert.Equal(cluster.IsTls ? owner.TlsPort : owner.Port, redirect.Port);
            return;
        }
    }

    private static async Task<(ClusterTopology Shards, ClusterTopology Slots, ClusterTopology Nodes)> ReadAll(RedisConnection connection, bool tls)
    {
        // One batch: the server answers all three from the same state, so they can be compared exactly.
        RedisReply[] replies = await connection.ExecuteBatchAsync(new[]
        {
            RedisCommand.Create("CLUSTER", "SHARDS"),
            RedisCommand.Create("CLUSTER", "SLOTS"),
            RedisCommand.Create("CLUSTER", "NODES"),
        });
        Assert.Equal(connection.Protocol == 3 ? RespType.Map : RespType.Array, replies[0].Value.Items[0].Type);
        var shards = ClusterTopology.FromShards(replies[0].Value, tls, connection.Endpoint);
        var slots = ClusterTopology.FromSlots(replies[1].Value, tls, connection.Endpoint);
        var nodes = ClusterTopology.FromNodes(replies[2].Value.GetString()!, tls, connection.Endpoint);

        // CLUSTER SLOTS lists exactly the replicas CLUSTER SHARDS calls online (not loading, not failed).
        Assert.Equal(
            shards.Replicas.Where(r => r.Health == ClusterNodeHealth.Online).Select(r => r.Id).OrderBy(id => id),
            slots.Replicas.Select(r => r.Id).OrderBy(id => id));
        return (shards, slots, nodes);
    }

    private static bool RolesKnown(params ClusterTopology[] views)
        => views.All(v => v.Primaries.Count == 3 && v.Replicas.Count == 3 && v.CoversAllSlots);
}
