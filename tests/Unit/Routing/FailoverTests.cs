using System.Diagnostics;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Errors;
using RedisCluster.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace RedisCluster.Tests.Routing;

/// <summary>Manual failover and a killed primary: commands succeed again once the cluster heals.</summary>
public sealed class FailoverTests : IClassFixture<DedicatedClusterFixture>
{
    /// <summary>
    /// cluster-node-timeout is 3 s here, so detection, election and promotion take seconds; the bound only turns a
    /// client that never recovers into a failure, and is no speed requirement (a loaded machine stretches failovers).
    /// </summary>
    private static readonly TimeSpan HealBound = Poll.Deadline;

    private readonly RedisClusterProcesses _cluster;
    private readonly ITestOutputHelper _output;

    public FailoverTests(DedicatedClusterFixture fixture, ITestOutputHelper output)
    {
        _cluster = fixture.Cluster;
        _output = output;
    }

    [Fact]
    public async Task ManualFailoverThenKilledPrimary()
    {
        var log = new CapturingLog();
        using var client = ClusterClients.Open(_cluster, log);

        // 1. CLUSTER FAILOVER on a replica: the old primary answers MOVED afterwards; nothing fails.
        const string key = "{failover}manual";
        int slot = HashSlot.GetSlot(key);
        Assert.Equal("OK", client.Run("SET", key, "before").GetString());
        var primary = client.Topology.GetPrimaryForSlot(slot)!;
        var replica = client.Topology.GetReplicasOf(primary.Id).First();
        var replicaServer = _cluster.NodeForPort(replica.Endpoint!.Port);
        Assert.Equal("OK", replicaServer.Cli("CLUSTER", "FAILOVER"));
        var clock = Stopwatch.StartNew();
        while (!replicaServer.Cli("ROLE").StartsWith("master", StringComparison.Ordinal))
        {
            Assert.True(clock.Elapsed < HealBound, "the replica was not promoted");
            Thread.Sleep(100);
        }

        Assert.Equal("OK", client.Run("SET", key, "after-manual").GetString());
        Assert.Equal("after-manual", client.Run("GET", key).GetString());
        _output.WriteLine($"manual failover: promoted after {clock.ElapsedMilliseconds} ms");

        // 2. SIGKILL a primary: a command for its slots waits out the failover and then succeeds.
        _cluster.WaitHealthy(TimeSpan.FromSeconds(30));
        await client.RefreshTopologyAsync();
        const string victimKey = "{failover}killed";
        int victimSlot = HashSlot.GetSlot(victimKey);
        Assert.Equal("OK", client.Run("SET", victimKey, "v1").GetString());
        _cluster.WaitReplicated(Poll.Deadline);
        var victim = _cluster.NodeForPort(client.Topology.GetPrimaryForSlot(victimSlot)!.Endpoint!.Port);
        string otherKey = ClusterClients.KeysOnEveryPrimary("failover-other", client, 1)
            .First(k => client.Topology.GetPrimaryForSlot(HashSlot.GetSlot(k))!.Endpoint!.Port != victim.Port);

        victim.Kill();
        clock.Restart();

        // Other slots keep serving while the failover runs.
        Assert.Equal("OK", client.Run("SET", otherKey, "unaffected").GetString());

        string? value = null;
        Exception? last = null;
        while (clock.Elapsed < HealBound)
        {
            try
            {
                value = client.Run("GET", victimKey).GetString();
                if (value != null)
                {
                    break;
                }
            }
            catch (RedisConnectionException ex)
            {
                last = ex;
            }
        }

        _output.WriteLine($"killed primary: served again after {clock.ElapsedMilliseconds} ms; last error: {last?.Message}");
        Assert.Equal("v1", value);
        Assert.Equal("OK", client.Run("SET", victimKey, "v2").GetString());
        Assert.NotEqual(victim.Port, client.RunDetailed("GET", victimKey).Endpoint.Port);
    }
}
