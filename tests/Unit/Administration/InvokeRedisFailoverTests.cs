using System.Management.Automation;
using RedisCluster.Engine.Cluster;
using RedisCluster.Tests.Hosting;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Administration;

/// <summary>Invoke-RedisFailover on a 3x1 cluster of its own, checked with CLUSTER NODES and ROLE.</summary>
public sealed class InvokeRedisFailoverTests : IDisposable
{
    private readonly PowerShellSession _ps = new();
    private readonly EmptyClusterNodes _nodes = new(6);
    private readonly List<ClusterNode> _created;

    public InvokeRedisFailoverTests()
    {
        _created = _ps.RunClean($"New-RedisCluster {_nodes.EndpointList()}").Cast<ClusterNode>().ToList();
    }

    public void Dispose()
    {
        _ps.Dispose();
        _nodes.Dispose();
    }

    private RedisServer ServerOf(ClusterNode node) => _nodes.Nodes.Single(n => n.Port == node.Endpoint!.Port);

    [Theory]
    [InlineData("Default")]
    [InlineData("Force")]
    [InlineData("Takeover")]
    public void PromotesTheReplicaAndEveryNodeAgrees(string mode)
    {
        ClusterNode replica = _created.First(n => n.IsReplica);
        ClusterNode primary = _created.Single(n => n.Id == replica.PrimaryId);
        var promoted = (ClusterNode)_ps.RunClean($"Invoke-RedisFailover -Endpoint {replica.Endpoint} -Mode {mode}").Single()!;
        Assert.Equal(replica.Id, promoted.Id);
        Assert.True(promoted.IsPrimary);
        Assert.Equal(primary.Slots, promoted.Slots);
        Assert.Equal("master", ((object?[])ServerOf(replica).Execute("ROLE")!)[0]);
        foreach (RedisServer node in _nodes.Nodes)
        {
            string line = EmptyClusterNodes.ClusterNodes(node).Single(l => l.StartsWith(replica.Id, StringComparison.Ordinal));
            Assert.Contains("master", line.Split(' ')[2]);
            Assert.EndsWith(string.Join(" ", primary.Slots), line);
        }
    }

    [Fact]
    public void RefusesAPrimaryAndChangesNothing()
    {
        ClusterNode primary = _created.First(n => n.IsPrimary);
        var (error, _) = _ps.RunExpectingTerminatingError($"Invoke-RedisFailover {primary.Endpoint}");
        Assert.Equal(ErrorCategory.InvalidOperation, error.CategoryInfo.Category);
        Assert.Contains("Node " + primary.Endpoint + " is a primary already (of slots " + string.Join(",", primary.Slots) + ")", error.Exception.Message);
        Assert.Equal("master", ((object?[])ServerOf(primary).Execute("ROLE")!)[0]);
    }

    [Fact]
    public void APipedReplicaNodeIsPromotedAndWhatIfChangesNothing()
    {
        ClusterNode replica = _created.Last(n => n.IsReplica);
        _ps.RunClean($"Get-RedisClusterNode -Endpoint {replica.Endpoint} -Refresh | Where-Object Id -eq '{replica.Id}' | Invoke-RedisFailover -WhatIf");
        Assert.Equal("slave", ((object?[])ServerOf(replica).Execute("ROLE")!)[0]);
        var promoted = _ps.RunClean($"Get-RedisClusterNode -Endpoint {replica.Endpoint} -Refresh | Where-Object Id -eq '{replica.Id}' | Invoke-RedisFailover");
        Assert.True(((ClusterNode)promoted.Single()!).IsPrimary);
    }
}
