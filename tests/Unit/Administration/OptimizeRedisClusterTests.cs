using System.Globalization;
using System.Management.Automation;
using RedisCluster.Engine.Administration;
using RedisCluster.Engine.Client;
using RedisCluster.Engine.Cluster;
using RedisCluster.Tests.Hosting;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Administration;

/// <summary>Optimize-RedisCluster (redis-cli --cluster rebalance) on 3- and 4-primary clusters of the tests' own, with keys.</summary>
public sealed class OptimizeRedisClusterTests : IDisposable
{
    private readonly PowerShellSession _ps = new();

    public void Dispose() => _ps.Dispose();

    [Fact]
    public void SpreadsAllSlotsOfOneNodeEvenlyOnlyWithUseEmptyPrimaries()
    {
        using var nodes = new EmptyClusterNodes(3);
        ClusterLayout.Build(_ps, nodes, new[] { new SlotRange(0, 16383) });
        string owner = MyId(nodes.Nodes[0]);
        using RedisClient client = MoveRedisSlotTests.Connect(nodes.Nodes[0]);
        int[] filled = Enumerable.Range(0, 256).Select(i => i * 64).ToArray();
        Dictionary<string, string> expected = MoveRedisSlotTests.Populate(client, filled, keysPerSlot: 20);

        // The empty primaries take no part without the switch: the owner holds its whole share already.
        var untouched = Rebalance($"Optimize-RedisCluster {Endpoint(nodes, 0)} -Confirm:$false");
        Assert.Empty(untouched.Moves);
        Assert.Equal(new[] { true, false, false }, untouched.Primaries.Select(p => p.TakesPart));
        Assert.Equal(16384, ClusterLayout.SlotCounts(nodes)[owner]);

        var result = Rebalance($"Optimize-RedisCluster {Endpoint(nodes, 0)} -UseEmptyPrimaries -Confirm:$false");
        Dictionary<string, int> counts = ClusterLayout.SlotCounts(nodes);
        Assert.Equal(new[] { 5461, 5461, 5462 }, counts.Values.Order());
        Assert.Equal(new[] { new SlotRange(10923, 16383) }, ClusterLayout.SlotMap(nodes)[owner]);
        Assert.Equal(2, result.Moves.Count);
        Assert.All(result.Moves, m => Assert.Equal(owner, m.SourceId));
        Assert.Equal(10923, result.SlotsMoved);
        Assert.Equal(filled.Count(s => s < 10923) * 20L, result.KeysMoved);
        Assert.Equal(counts.OrderBy(c => c.Key).Select(c => c.Value), result.Primaries.OrderBy(p => p.Id).Select(p => p.SlotsAfter));
        Assert.Equal(expected.Count, nodes.Nodes.Sum(n => (long)n.Execute("DBSIZE")!));
        MoveRedisSlotTests.AssertValues(client, expected);
        ClusterLayout.WaitHealthy(_ps, nodes);
    }

    [Fact]
    public void WeightsTwoOneOneGiveHalfTheSlotsToTheHeavyPrimaryAndAnOpenSlotIsRefusedFirst()
    {
        using var nodes = new EmptyClusterNodes(3);
        var cluster = _ps.RunClean($"New-RedisCluster {nodes.EndpointList()} -ReplicasPerPrimary 0").Cast<ClusterNode>().ToList();
        using RedisClient client = MoveRedisSlotTests.Connect(nodes.Nodes[0]);
        Dictionary<string, string> expected = MoveRedisSlotTests.Populate(client, Enumerable.Range(0, 512).Select(i => i * 32), keysPerSlot: 10);
        string weights = $"@{{ '{cluster[0].Endpoint}' = 2; '{cluster[1].Id[..8]}' = 1 }}";

        // A slot left open (a move stopped half-way) must be fixed first; nothing moves.
        RedisServer importer = nodes.Nodes.Single(n => n.ClientPort == cluster[1].Endpoint!.Port);
        importer.Execute("CLUSTER", "SETSLOT", "5", "IMPORTING", cluster[0].Id);
        string before = ClusterLayout.SlotColumns(nodes.Nodes);
        var (error, _) = _ps.RunExpectingTerminatingError($"Optimize-RedisCluster {cluster[0].Endpoint} -Weight {weights} -Confirm:$false");
        Assert.Equal(ErrorCategory.InvalidOperation, error.CategoryInfo.Category);
        Assert.Contains("The cluster has problems to fix before it is rebalanced", error.Exception.Message);
        Assert.Contains("slot 5", error.Exception.Message);
        Assert.Equal(before, ClusterLayout.SlotColumns(nodes.Nodes));
        importer.Execute("CLUSTER", "SETSLOT", "5", "STABLE");

        var result = Rebalance($"Optimize-RedisCluster {cluster[0].Endpoint} -Weight {weights} -Confirm:$false");
        Dictionary<string, int> counts = ClusterLayout.SlotCounts(nodes);
        Assert.Equal((8192, 4096, 4096), (counts[cluster[0].Id], counts[cluster[1].Id], counts[cluster[2].Id]));
        Assert.Equal(new[] { 2.0, 1.0, 1.0 }, result.Primaries.OrderBy(p => cluster.FindIndex(c => c.Id == p.Id)).Select(p => p.Weight));
        Assert.Equal(2731, result.SlotsMoved);
        Assert.All(result.Moves, m => Assert.Equal(cluster[0].Id, m.DestinationId));
        Assert.Equal(expected.Count, nodes.Nodes.Sum(n => (long)n.Execute("DBSIZE")!));
        MoveRedisSlotTests.AssertValues(client, expected);
    }

    [Fact]
    public void UseEmptyPrimariesGivesANewPrimaryItsShare()
    {
        using var nodes = new EmptyClusterNodes(4);
        var cluster = _ps.RunClean($"New-RedisCluster {nodes.EndpointList(nodes.Nodes.Take(3))} -ReplicasPerPrimary 0").Cast<ClusterNode>().ToList();
        var added = (ClusterNode)_ps.RunClean($"Add-RedisClusterNode {Endpoint(nodes, 3)} {cluster[0].Endpoint}").Single()!;
        using RedisClient client = MoveRedisSlotTests.Connect(nodes.Nodes[0]);
        Dictionary<string, string> expected = MoveRedisSlotTests.Populate(client, Enumerable.Range(0, 1024).Select(i => i * 16), keysPerSlot: 5);

        var result = Rebalance($"Optimize-RedisCluster {cluster[0].Endpoint} -UseEmptyPrimaries -Confirm:$false");
        Assert.All(ClusterLayout.SlotCounts(nodes).Values, c => Assert.Equal(4096, c));
        Assert.Equal(3, result.Moves.Count);
        Assert.All(result.Moves, m => Assert.Equal(added.Id, m.DestinationId));
        Assert.Equal(4096, result.SlotsMoved);
        Assert.True(result.KeysMoved > 0);
        Assert.Equal(expected.Count, nodes.Nodes.Sum(n => (long)n.Execute("DBSIZE")!));
        MoveRedisSlotTests.AssertValues(client, expected);
    }

    [Fact]
    public void TheThresholdLeavesANearlyBalancedClusterAlone()
    {
        using var nodes = new EmptyClusterNodes(3);
        var cluster = _ps.RunClean($"New-RedisCluster {nodes.EndpointList()} -ReplicasPerPrimary 0").Cast<ClusterNode>().ToList();
        _ps.RunClean($"Move-RedisSlot -Slot 0-99 -Destination {cluster[1].Endpoint} -Confirm:$false");
        var before = ClusterLayout.SlotMap(nodes);

        // 5361, 5561 and 5462 slots: each within 2% of 5461.
        var skipped = Rebalance($"Optimize-RedisCluster {cluster[0].Endpoint} -Confirm:$false");
        Assert.Empty(skipped.Moves);
        Assert.Equal(before, ClusterLayout.SlotMap(nodes));

        var result = Rebalance($"Optimize-RedisCluster {cluster[0].Endpoint} -Threshold 1 -Confirm:$false");
        Assert.Equal(new[] { 5461, 5461, 5462 }, ClusterLayout.SlotCounts(nodes).Values.Order());
        // 100 slots back to the first, or (when the rounding slot falls to the third) 100 to the first and 1 to the third.
        Assert.InRange(result.SlotsMoved, 100, 101);
    }

    [Fact]
    public void EndsWithTheSameSlotsOnTheSameNodesAsRedisCli()
    {
        using var nodes = new EmptyClusterNodes(3);
        SlotRange[][] layout = { new[] { new SlotRange(0, 6999) }, new[] { new SlotRange(7000, 11999) }, new[] { new SlotRange(12000, 16383) } };
        ClusterLayout.Build(_ps, nodes, layout);
        string[] ids = nodes.Nodes.Select(MyId).ToArray();

        RedisCliRunner.RunChecked(new[] { "--cluster", "rebalance", Endpoint(nodes, 0) }, TimeSpan.FromMinutes(10));
        ClusterLayout.WaitHealthy(_ps, nodes);
        Dictionary<string, SlotRange[]> theirs = ClusterLayout.SlotMap(nodes);

        // Back to the layout redis-cli started from, then the same rebalance through the same node.
        for (int i = 0; i < layout.Length; i++)
        {
            _ps.RunClean($"Move-RedisSlot -Slot {layout[i][0].Start}-{layout[i][0].End} -Destination {Endpoint(nodes, i)} -Confirm:$false");
        }

        Assert.Equal(ids.Select((id, i) => (id, layout[i])), ClusterLayout.SlotMap(nodes).OrderBy(p => Array.IndexOf(ids, p.Key)).Select(p => (p.Key, p.Value)));
        Rebalance($"Optimize-RedisCluster {Endpoint(nodes, 0)} -Confirm:$false");
        Dictionary<string, SlotRange[]> ours = ClusterLayout.SlotMap(nodes);
        Assert.Equal(theirs.OrderBy(p => p.Key).Select(p => p.Key + " " + SlotRanges.Format(p.Value)), ours.OrderBy(p => p.Key).Select(p => p.Key + " " + SlotRanges.Format(p.Value)));
    }

    private RebalanceResult Rebalance(string script)
    {
        var result = _ps.Run(script);
        Assert.True(result.Terminating == null && result.Errors.Count == 0, result.AllText());
        return Assert.IsType<RebalanceResult>(Assert.Single(result.Values));
    }

    private static string Endpoint(EmptyClusterNodes nodes, int index) => EmptyClusterNodes.EndpointOf(nodes.Nodes[index]);

    private static string MyId(RedisServer node) => (string)node.Execute("CLUSTER", "MYID")!;
}
