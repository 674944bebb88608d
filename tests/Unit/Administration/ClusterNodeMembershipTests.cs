using System.Management.Automation;
using RedisCluster.Engine.Cluster;
using RedisCluster.Tests.Hosting;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Administration;

/// <summary>Add-RedisClusterNode and Remove-RedisClusterNode on a 3-primary cluster of the test's own, checked with CLUSTER NODES.</summary>
public sealed class ClusterNodeMembershipTests : IDisposable
{
    private readonly PowerShellSession _ps = new();
    private readonly EmptyClusterNodes _cluster = new(3);
    private readonly EmptyClusterNodes _spare = new(2);
    private readonly List<ClusterNode> _created;

    public ClusterNodeMembershipTests()
    {
        _created = _ps.RunClean($"New-RedisCluster {_cluster.EndpointList()} -ReplicasPerPrimary 0").Cast<ClusterNode>().ToList();
    }

    public void Dispose()
    {
        _ps.Dispose();
        _cluster.Dispose();
        _spare.Dispose();
    }

    private string Seed => EmptyClusterNodes.EndpointOf(_cluster.Nodes[0]);

    [Fact]
    public void AddsAReplicaAndAnEmptyPrimaryThenRemovesBoth()
    {
        string replicaAt = EmptyClusterNodes.EndpointOf(_spare.Nodes[0]);
        string primaryAt = EmptyClusterNodes.EndpointOf(_spare.Nodes[1]);

        var replica = (ClusterNode)_ps.RunClean($"Add-RedisClusterNode -Endpoint {replicaAt} -Cluster {Seed} -AsReplica").Single()!;
        Assert.True(replica.IsReplica);
        Assert.Contains(replica.PrimaryId, _created.Select(n => n.Id));
        foreach (RedisServer node in _cluster.Nodes.Append(_spare.Nodes[0]))
        {
            string line = EmptyClusterNodes.ClusterNodes(node).Single(l => l.StartsWith(replica.Id, StringComparison.Ordinal));
            Assert.Contains("slave " + replica.PrimaryId, line);
        }
        Assert.Contains("master_link_status:up", (string)_spare.Nodes[0].Execute("INFO", "replication")!);

        var primary = (ClusterNode)_ps.RunClean($"Add-RedisClusterNode {primaryAt} {Seed}").Single()!;
        Assert.True(primary.IsPrimary);
        Assert.Empty(primary.Slots);
        Assert.All(_cluster.Nodes, n => Assert.Equal("5", EmptyClusterNodes.ClusterInfo(n, "cluster_known_nodes")));

        // A node object piped binds by its Id; the endpoint form asks the node itself for the cluster.
        _ps.RunClean($"Get-RedisClusterNode -Endpoint {Seed} -Refresh | Where-Object Id -eq '{replica.Id}' | Remove-RedisClusterNode -Cluster {Seed} -Confirm:$false");
        _ps.RunClean($"Remove-RedisClusterNode -Endpoint {primaryAt} -Confirm:$false");
        foreach (RedisServer node in _cluster.Nodes)
        {
            Assert.Equal("3", EmptyClusterNodes.ClusterInfo(node, "cluster_known_nodes"));
            Assert.DoesNotContain(EmptyClusterNodes.ClusterNodes(node), l => l.StartsWith(replica.Id, StringComparison.Ordinal) || l.StartsWith(primary.Id, StringComparison.Ordinal));
        }

        // Both were reset, so they do not gossip their way back.
        Assert.All(_spare.Nodes, n => Assert.Equal("1", EmptyClusterNodes.ClusterInfo(n, "cluster_known_nodes")));
    }

    [Fact]
    public void AddsAReplicaOfAPrimaryGivenByEndpoint()
    {
        ClusterNode target = _created[1];
        var replica = (ClusterNode)_ps.RunClean($"Add-RedisClusterNode {EmptyClusterNodes.EndpointOf(_spare.Nodes[0])} -Cluster {Seed} -ReplicaOf {target.Endpoint}").Single()!;
        Assert.Equal(target.Id, replica.PrimaryId);
        Assert.Contains("slave " + target.Id, EmptyClusterNodes.ClusterNodes(_cluster.Nodes[2]).Single(l => l.StartsWith(replica.Id, StringComparison.Ordinal)));
    }

    [Fact]
    public void RefusesToRemoveAPrimaryThatOwnsSlotsAndChangesNothing()
    {
        ClusterNode owner = _created[2];
        var (error, _) = _ps.RunExpectingTerminatingError($"Remove-RedisClusterNode -NodeId {owner.Id} -Cluster {Seed} -Confirm:$false");
        Assert.Equal(ErrorCategory.InvalidOperation, error.CategoryInfo.Category);
        Assert.Contains("Node " + owner.Endpoint + " is a primary that owns slots (10923-16383)", error.Exception.Message);
        Assert.All(_cluster.Nodes, n => Assert.Equal("3", EmptyClusterNodes.ClusterInfo(n, "cluster_known_nodes")));
    }

    [Fact]
    public void RefusesToAddANodeHoldingKeysAndChangesNothing()
    {
        _spare.Nodes[0].Execute("DEBUG", "POPULATE", "2", "left-over");
        var (error, _) = _ps.RunExpectingTerminatingError($"Add-RedisClusterNode {EmptyClusterNodes.EndpointOf(_spare.Nodes[0])} {Seed} -AsReplica");
        Assert.Equal(ErrorCategory.ResourceUnavailable, error.CategoryInfo.Category);
        Assert.Contains("is not empty: it holds 2 key(s)", error.Exception.Message);
        Assert.True(EmptyClusterNodes.IsUntouched(_spare.Nodes[0]));
        Assert.All(_cluster.Nodes, n => Assert.Equal("3", EmptyClusterNodes.ClusterInfo(n, "cluster_known_nodes")));
    }

    [Fact]
    public void WhatIfAddsNothing()
    {
        _ps.RunClean($"Add-RedisClusterNode {EmptyClusterNodes.EndpointOf(_spare.Nodes[0])} {Seed} -WhatIf");
        Assert.True(EmptyClusterNodes.IsUntouched(_spare.Nodes[0]));
    }
}
