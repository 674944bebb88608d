using System.Management.Automation;
using RedisCluster.Engine.Administration;
using RedisCluster.Engine.Cluster;
using RedisCluster.Tests.Hosting;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Administration;

/// <summary>Test-RedisCluster against a healthy shared cluster and a cluster of its own that the tests break.</summary>
[Collection(ClusterCollection.Name)]
public sealed class TestRedisClusterTests : IDisposable
{
    private readonly RedisClusterProcesses _shared;
    private readonly PowerShellSession _ps = new();

    public TestRedisClusterTests(ClusterFixture fixture)
    {
        _shared = fixture.Cluster;
    }

    public void Dispose() => _ps.Dispose();

    [Fact]
    public void AHealthyClusterHasNoProblems()
    {
        var result = Check($"Test-RedisCluster -Endpoint 127.0.0.1:{_shared.SeedPort}");
        Assert.True(result.IsHealthy, string.Join("\n", result.Problems));
        Assert.Equal(16384, result.CoveredSlotCount);
        Assert.Empty(result.UncoveredSlots);
        Assert.Equal(3, result.PrimaryCount);
        Assert.Equal(3, result.ReplicaCount);
        Assert.Empty(result.Problems);
    }

    [Fact]
    public void ReportsAnOpenSlotAndAStoppedNodeThenWaitGivesUp()
    {
        using var nodes = new EmptyClusterNodes(4);
        var created = _ps.Run($"New-RedisCluster {nodes.EndpointList()} -ReplicasPerPrimary 0");
        Assert.True(created.Errors.Count == 0, created.AllText());
        var cluster = created.Values.Cast<ClusterNode>().ToList();
        ClusterNode owner = cluster.Single(n => n.Slots.Any(r => r.Contains(5)));
        ClusterNode target = cluster.First(n => n != owner);
        ClusterNode victim = cluster.Last(n => n != owner && n != target);
        RedisServer ownerServer = nodes.Nodes.Single(n => n.Port == owner.Endpoint!.Port);
        ownerServer.Execute("CLUSTER", "SETSLOT", "5", "MIGRATING", target.Id);
        nodes.Nodes.Single(n => n.Port == victim.Endpoint!.Port).Stop();

        var result = Check($"Test-RedisCluster -Endpoint {owner.Endpoint}");
        Assert.False(result.IsHealthy);
        Assert.Equal(16384, result.CoveredSlotCount);
        OpenSlot open = Assert.Single(result.OpenSlots);
        Assert.Equal((5, owner.Id, OpenSlotState.Migrating, target.Id, target.Endpoint!.ToString()), (open.Slot, open.NodeId, open.State, open.OtherNodeId, open.OtherEndpoint));
        NodeProblem stopped = Assert.Single(result.FailedNodes, p => p.Kind == NodeProblemKind.Unreachable);
        Assert.Equal((victim.Id, victim.Endpoint!.ToString()), (stopped.NodeId, stopped.Endpoint));
        Assert.Contains(result.Problems, p => p.StartsWith("Open slot 5 migrating from " + owner.Endpoint + " to " + target.Endpoint, StringComparison.Ordinal));

        // -Wait polls until -Timeout, then writes the last result and a non-terminating OperationTimeout error.
        var waited = _ps.Run($"Test-RedisCluster -Endpoint {owner.Endpoint} -Wait -Timeout 1");
        var last = Assert.IsType<ClusterCheckResult>(Assert.Single(waited.Values));
        Assert.False(last.IsHealthy);
        ErrorRecord error = Assert.Single(waited.Errors);
        Assert.Equal(ErrorCategory.OperationTimeout, error.CategoryInfo.Category);
        Assert.StartsWith("RedisClusterNotHealthy", error.FullyQualifiedErrorId);
        Assert.Contains("Open slot 5", error.Exception.Message);
    }

    [Fact]
    public void AnImportingSlotIsOpenToo()
    {
        using var nodes = new EmptyClusterNodes(3);
        var cluster = _ps.RunClean($"New-RedisCluster {nodes.EndpointList()} -ReplicasPerPrimary 0").Cast<ClusterNode>().ToList();
        ClusterNode owner = cluster.Single(n => n.Slots.Any(r => r.Contains(100)));
        ClusterNode importer = cluster.First(n => n != owner);
        nodes.Nodes.Single(n => n.Port == importer.Endpoint!.Port).Execute("CLUSTER", "SETSLOT", "100", "IMPORTING", owner.Id);
        var result = Check($"Test-RedisCluster {owner.Endpoint}");
        OpenSlot open = Assert.Single(result.OpenSlots);
        Assert.Equal((100, importer.Id, OpenSlotState.Importing, owner.Id), (open.Slot, open.NodeId, open.State, open.OtherNodeId));
        Assert.Empty(result.FailedNodes);

        nodes.Nodes.Single(n => n.Port == importer.Endpoint!.Port).Execute("CLUSTER", "SETSLOT", "100", "STABLE");
        Assert.True(Check($"Test-RedisCluster {owner.Endpoint} -Wait").IsHealthy);
    }

    [Fact]
    public void ANodeThatIsNotAClusterNodeIsAClearError()
    {
        using var plain = new EmptyClusterNodes(1, clusterEnabled: false);
        var (error, _) = _ps.RunExpectingTerminatingError($"Test-RedisCluster {plain.EndpointList()}");
        Assert.Equal(ErrorCategory.InvalidOperation, error.CategoryInfo.Category);
        Assert.Contains("Node " + EmptyClusterNodes.EndpointOf(plain.Nodes[0]) + " is not a cluster node (it runs with cluster-enabled no)", error.Exception.Message);
    }

    private ClusterCheckResult Check(string script)
    {
        var result = _ps.Run(script);
        Assert.True(result.Terminating == null && result.Errors.Count == 0, result.AllText());
        return Assert.IsType<ClusterCheckResult>(Assert.Single(result.Values));
    }
}
