using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Transactions;
using RedisCluster.Tests.Infrastructure;
using RedisCluster.Tests.Routing;
using Xunit;

namespace RedisCluster.Tests.Transactions;

/// <summary>A transaction whose slot moved to another primary since the client learned the topology (a cluster of its own).</summary>
public sealed class TransactionSlotMoveTests : IClassFixture<DedicatedClusterFixture>
{
    private readonly RedisClusterProcesses _cluster;

    public TransactionSlotMoveTests(DedicatedClusterFixture fixture) => _cluster = fixture.Cluster;

    [Fact]
    public void AMovedSlotIsFollowedOnceByRunningTheAttemptAgainOnTheNewOwner()
    {
        var log = new CapturingLog();
        using var client = ClusterClients.Open(_cluster, log);
        const string key = "{txmoved}:n";
        int slot = HashSlot.GetSlot(key);
        Assert.Equal("OK", client.Run("SET", key, "1").GetString());

        // Move the slot behind the client's back: its slot map still names the source.
        var source = _cluster.NodeForPort(client.Topology.GetPrimaryForSlot(slot)!.Endpoint!.Port);
        var target = _cluster.Masters().First(m => m.Port != source.Port);
        string sourceId = source.Cli("CLUSTER", "MYID"), targetId = target.Cli("CLUSTER", "MYID");
        Assert.Equal("OK", target.Cli("CLUSTER", "SETSLOT", slot.ToString(), "IMPORTING", sourceId));
        Assert.Equal("OK", source.Cli("CLUSTER", "SETSLOT", slot.ToString(), "MIGRATING", targetId));
        Assert.Equal("OK", source.Cli("MIGRATE", "127.0.0.1", target.Port.ToString(), key, "0", "5000"));
        foreach (var master in _cluster.Masters())
        {
            Assert.Equal("OK", master.Cli("CLUSTER", "SETSLOT", slot.ToString(), "NODE", targetId));
        }

        var seen = new List<string?>();
        RedisTransactionOutcome outcome = client.Transact(new[] { key }, tx =>
        {
            seen.Add(tx.Read("GET", key).GetString());
            tx.Queue("INCR", key);
        });

        Assert.Equal(TransactionStatus.Committed, outcome.Status);
        Assert.Equal(target.Port, outcome.Node!.Port);
        Assert.Equal(1, outcome.Attempts);
        Assert.Equal(new[] { "1" }, seen); // the block ran once: the MOVED came at WATCH, before it
        Assert.Equal(2, outcome.Replies[0].Value.Integer);
    }
}
