using System.Management.Automation;
using System.Text;
using RedisCluster.Engine.Administration;
using RedisCluster.Engine.Client;
using RedisCluster.Engine.Cluster;
using RedisCluster.Tests.Hosting;
using RedisCluster.Tests.Infrastructure;
using RedisCluster.Tests.Routing;
using Xunit;

namespace RedisCluster.Tests.Administration;

/// <summary>Test-RedisCluster -Fix on 3-primary clusters of the tests' own, broken the ways redis-cli --cluster fix repairs.</summary>
public sealed class TestRedisClusterFixTests : IDisposable
{
    private readonly PowerShellSession _ps = new();
    private readonly EmptyClusterNodes _nodes = new(3);
    private readonly List<ClusterNode> _cluster;

    public TestRedisClusterFixTests()
    {
        _cluster = _ps.RunClean($"New-RedisCluster {_nodes.EndpointList()} -ReplicasPerPrimary 0").Cast<ClusterNode>().ToList();
    }

    public void Dispose()
    {
        _ps.Dispose();
        _nodes.Dispose();
    }

    private ClusterNode Owner(int slot) => _cluster.Single(n => n.Slots.Any(r => r.Contains(slot)));

    private RedisServer Server(ClusterNode node) => _nodes.Nodes.Single(n => n.Port == node.Endpoint!.Port);

    [Fact]
    public void ClosesASlotLeftMigratingAndReassignsADeletedSlotWithItsKeys()
    {
        ClusterNode owner = Owner(7000);
        ClusterNode other = _cluster.First(n => n != owner);
        Server(Owner(5)).Execute("CLUSTER", "SETSLOT", "5", "MIGRATING", other.Id == Owner(5).Id ? owner.Id : other.Id);
        using RedisClient client = MoveRedisSlotTests.Connect(_nodes.Nodes[0]);
        string tag = "{" + Encoding.ASCII.GetString(SlotTagTable.Shared.GetTag(7000)) + "}";
        client.Run("MSET", tag + "a", "1", tag + "b", "2");
        foreach (RedisServer node in _nodes.Nodes)
        {
            node.Execute("CLUSTER", "DELSLOTS", "7000");
        }

        Assert.True(Poll.Until(() => Check($"Test-RedisCluster {owner.Endpoint}").UncoveredSlots.Count == 1, TimeSpan.FromSeconds(60)));
        var broken = Check($"Test-RedisCluster {owner.Endpoint}");
        Assert.Equal((new SlotRange(7000, 7000), 5), (Assert.Single(broken.UncoveredSlots), Assert.Single(broken.OpenSlots).Slot));

        // -WhatIf changes nothing.
        Assert.False(Check($"Test-RedisCluster {owner.Endpoint} -Fix -WhatIf").IsHealthy);
        Assert.Equal(5, Assert.Single(Check($"Test-RedisCluster {owner.Endpoint}").OpenSlots).Slot);

        var result = _ps.Run($"Test-RedisCluster {owner.Endpoint} -Fix -Confirm:$false -Verbose");
        Assert.True(result.Terminating == null && result.Errors.Count == 0, result.AllText());
        var fixedResult = Assert.IsType<ClusterCheckResult>(Assert.Single(result.Values));
        Assert.True(fixedResult.IsHealthy, string.Join("\n", fixedResult.Problems));
        Assert.Contains(result.Verbose, v => v.StartsWith("Slot 5: closed the migration from " + Owner(5).Endpoint, StringComparison.Ordinal));
        Assert.Contains(result.Verbose, v => v.StartsWith("Assigned 1 uncovered slot(s) (7000) to " + owner.Endpoint, StringComparison.Ordinal));

        // The slot went back to the primary that holds its keys (every node agrees: the check is healthy), and they are readable.
        Assert.Contains(fixedResult.Nodes.Single(n => n.Id == owner.Id).Slots, r => r.Contains(7000));
        Assert.Equal(new[] { "1", "2" }, client.Run("MGET", tag + "a", tag + "b").Items.Select(v => v.GetString()));
    }

    [Fact]
    public void FinishesAMoveStoppedWithCtrlCAndLosesNothing()
    {
        ClusterNode source = Owner(0);
        ClusterNode destination = Owner(10000);
        using RedisClient client = MoveRedisSlotTests.Connect(_nodes.Nodes[0]);
        Dictionary<string, string> expected = MoveRedisSlotTests.Populate(client, slots: 1, keysPerSlot: 30000);

        // One key per MIGRATE: the move of slot 0 takes thousands of round trips, so the stop lands inside it.
        using var ps = PowerShell.Create();
        ps.Runspace = _ps.Runspace;
        ps.AddScript($"Move-RedisSlot -Slot 0-3 -Destination {destination.Endpoint} -Cluster {source.Endpoint} -KeysPerBatch 1 -Pipeline 1 -Confirm:$false");
        IAsyncResult pending = ps.BeginInvoke();
        RedisServer destinationServer = Server(destination);
        Assert.True(Poll.Until(() => (long)destinationServer.Execute("CLUSTER", "COUNTKEYSINSLOT", "0")! > 0, TimeSpan.FromSeconds(60)), "no key reached the destination");
        ps.Stop();
        Assert.True(pending.AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(60)), "Move-RedisSlot did not stop");
        // Slots 1-3 hold no key and may or may not have finished: the fix closes whatever the stop left open.
        var open = Check($"Test-RedisCluster {source.Endpoint}").OpenSlots;
        Assert.True(open.Count(o => o.Slot == 0) == 2, "the stop should leave slot 0 open on both sides: " + string.Join("; ", open));
        MoveRedisSlotTests.AssertValues(client, expected);

        var result = _ps.Run($"Test-RedisCluster {source.Endpoint} -Fix -Confirm:$false -Verbose");
        Assert.True(result.Terminating == null && result.Errors.Count == 0, result.AllText());
        Assert.True(Assert.IsType<ClusterCheckResult>(Assert.Single(result.Values)).IsHealthy);
        Assert.Contains(result.Verbose, v => v.StartsWith("Slot 0: finished the move from " + source.Endpoint + " to " + destination.Endpoint, StringComparison.Ordinal));
        Assert.Equal(30000L, (long)destinationServer.Execute("CLUSTER", "COUNTKEYSINSLOT", "0")!);
        Assert.Equal(0L, (long)Server(source).Execute("DBSIZE")!);
        MoveRedisSlotTests.AssertValues(client, expected);
    }

    [Fact]
    public void GivesASlotThatNoPrimaryServesToTheOwnerTheOthersName()
    {
        // The state the SETSLOT race left (see MoveRedisSlotTests): the owner believes another primary holds the slot,
        // which does not claim it either, so clients go round in MOVED and gossip never mends it. Made here directly.
        ClusterNode owner = Owner(95);
        ClusterNode other = _cluster.First(n => n != owner);
        Server(owner).Execute("CLUSTER", "SETSLOT", "95", "NODE", other.Id);
        string key = "{" + Encoding.ASCII.GetString(SlotTagTable.Shared.GetTag(95)) + "}k";
        Assert.StartsWith("MOVED 95 ", Assert.Throws<InvalidOperationException>(() => Server(owner).Execute("GET", key)).Message);
        Assert.StartsWith("MOVED 95 ", Assert.Throws<InvalidOperationException>(() => Server(other).Execute("GET", key)).Message);

        var broken = Check($"Test-RedisCluster {other.Endpoint}");
        Assert.False(broken.IsHealthy);
        Assert.Equal(new SlotRange(95, 95), Assert.Single(broken.UnservedSlots));
        Assert.Contains(broken.Problems, p => p.StartsWith("No primary serves 1 slot(s) (95):", StringComparison.Ordinal));
        Assert.Equal(16384, broken.CoveredSlotCount);

        var result = _ps.Run($"Test-RedisCluster {other.Endpoint} -Fix -Confirm:$false -Verbose");
        Assert.True(result.Terminating == null && result.Errors.Count == 0, result.AllText());
        var fixedResult = Assert.IsType<ClusterCheckResult>(Assert.Single(result.Values));
        Assert.True(fixedResult.IsHealthy, string.Join("\n", fixedResult.Problems));
        Assert.Contains(result.Verbose, v => v.StartsWith("Slot(s) 95, which no primary served, now served by " + owner.Endpoint, StringComparison.Ordinal));
        Assert.Contains(fixedResult.Nodes.Single(n => n.Id == owner.Id).Slots, r => r.Contains(95));

        using RedisClient client = MoveRedisSlotTests.Connect(_nodes.Nodes[0]);
        client.Run("SET", key, "served");
        Assert.Equal("served", client.Run("GET", key).GetString());
    }

    [Fact]
    public void FixOnAHealthyClusterChangesNothing()
    {
        var result = _ps.Run($"Test-RedisCluster {_cluster[0].Endpoint} -Fix -Verbose");
        Assert.True(Assert.IsType<ClusterCheckResult>(Assert.Single(result.Values)).IsHealthy);
        Assert.Contains("No open, unserved or uncovered slot to fix.", result.Verbose);
    }

    private ClusterCheckResult Check(string script)
    {
        var result = _ps.Run(script);
        Assert.True(result.Terminating == null && result.Errors.Count == 0, result.AllText());
        return Assert.IsType<ClusterCheckResult>(Assert.Single(result.Values));
    }
}
