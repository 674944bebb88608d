using System.Management.Automation;
using RedisCluster.Engine.Administration;
using RedisCluster.Engine.Cluster;
using RedisCluster.Tests.Hosting;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Administration;

/// <summary>New-RedisCluster against real empty cluster-enabled redis-server processes, checked with CLUSTER INFO/NODES.</summary>
public sealed class NewRedisClusterTests : IDisposable
{
    private readonly PowerShellSession _ps = new();

    public void Dispose() => _ps.Dispose();

    [Fact]
    public void SlotsAreSplitLikeRedisCli()
    {
        Assert.Equal(new[] { new SlotRange(0, 5460), new SlotRange(5461, 10922), new SlotRange(10923, 16383) }, SlotAllocator.Split(3));
        Assert.Equal(new[] { new SlotRange(0, 4095), new SlotRange(4096, 8191), new SlotRange(8192, 12287), new SlotRange(12288, 16383) }, SlotAllocator.Split(4));
        // redis-cli --cluster create with 5 and 7 primaries (its float cursor and lround decide these boundaries).
        Assert.Equal("0-3276,3277-6553,6554-9829,9830-13106,13107-16383", string.Join(",", SlotAllocator.Split(5)));
        Assert.Equal("0-2340,2341-4680,4681-7021,7022-9361,9362-11702,11703-14042,14043-16383", string.Join(",", SlotAllocator.Split(7)));
    }

    [Fact]
    public void CreatesThreePrimariesWithOneReplicaEach()
    {
        using var nodes = new EmptyClusterNodes(6);
        var result = _ps.Run($"New-RedisCluster -Endpoint {nodes.EndpointList()} -ReplicasPerPrimary 1");
        Assert.True(result.Terminating == null && result.Errors.Count == 0, result.AllText());
        var output = result.Values.Cast<ClusterNode>().ToList();
        Assert.Equal(6, output.Count);
        Assert.Equal(new[] { "0-5460", "5461-10922", "10923-16383" }, output.Where(n => n.IsPrimary).Select(n => string.Join(",", n.Slots)));

        foreach (RedisServer node in nodes.Nodes)
        {
            Assert.Equal("ok", EmptyClusterNodes.ClusterInfo(node, "cluster_state"));
            Assert.Equal("6", EmptyClusterNodes.ClusterInfo(node, "cluster_known_nodes"));
            Assert.Equal("3", EmptyClusterNodes.ClusterInfo(node, "cluster_size"));
        }

        // The output is what the cluster itself says: each replica copies a primary, each primary has exactly one.
        string[] lines = EmptyClusterNodes.ClusterNodes(nodes.Nodes[0]);
        var primaries = lines.Where(l => l.Split(' ')[2].Contains("master")).Select(l => l.Split(' ')[0]).ToList();
        var replicaOf = lines.Where(l => l.Split(' ')[2].Contains("slave")).Select(l => l.Split(' ')[3]).ToList();
        Assert.Equal(3, primaries.Count);
        Assert.Equal(primaries.Order(), replicaOf.Order());
        Assert.Equal(primaries.Order(), output.Where(n => n.IsPrimary).Select(n => n.Id).Order());
        Assert.All(output.Where(n => n.IsReplica), r => Assert.Contains(r.PrimaryId, primaries));
        Assert.All(nodes.Nodes.Where(n => ((string)n.Execute("INFO", "replication")!).Contains("role:slave")),
            r => Assert.Contains("master_link_status:up", (string)r.Execute("INFO", "replication")!));
    }

    [Fact]
    public void CreatesFourPrimariesWithoutReplicasFromThePipeline()
    {
        using var nodes = new EmptyClusterNodes(4);
        var result = _ps.Run($"{nodes.EndpointList()} | New-RedisCluster -ReplicasPerPrimary 0");
        Assert.True(result.Terminating == null && result.Errors.Count == 0, result.AllText());
        var output = result.Values.Cast<ClusterNode>().ToList();
        Assert.Equal(4, output.Count);
        Assert.All(output, n => Assert.True(n.IsPrimary));
        Assert.Equal(new[] { "0-4095", "4096-8191", "8192-12287", "12288-16383" }, output.Select(n => string.Join(",", n.Slots)));
        foreach (RedisServer node in nodes.Nodes)
        {
            Assert.Equal("ok", EmptyClusterNodes.ClusterInfo(node, "cluster_state"));
            Assert.Equal("4", EmptyClusterNodes.ClusterInfo(node, "cluster_known_nodes"));
            Assert.Equal("16384", EmptyClusterNodes.ClusterInfo(node, "cluster_slots_ok"));
        }
    }

    [Fact]
    public void CreatesATlsClusterAsAnAclUser()
    {
        using var nodes = new EmptyClusterNodes(3, tls: true, aclUser: ("admin", "s3cret-admin"));
        var password = new System.Security.SecureString();
        "s3cret-admin".ToList().ForEach(password.AppendChar);
        var vars = new Dictionary<string, object?>
        {
            ["cred"] = new PSCredential("admin", password),
            ["ca"] = TestCertificates.Shared.CaCertPath,
        };
        var result = _ps.Run($"New-RedisCluster {nodes.EndpointList()} -ReplicasPerPrimary 0 -Tls -CaCertificatePath $ca -Credential $cred", vars);
        Assert.True(result.Terminating == null && result.Errors.Count == 0, result.AllText());
        var output = result.Values.Cast<ClusterNode>().ToList();
        Assert.Equal(nodes.Nodes.Select(n => n.ClientPort).Order(), output.Select(n => n.Endpoint!.Port).Order());
        Assert.All(output, n => Assert.Equal(n.Endpoint!.Port, n.TlsPort));
        Assert.All(nodes.Nodes, n => Assert.Equal("ok", EmptyClusterNodes.ClusterInfo(n, "cluster_state")));
        Assert.DoesNotContain("s3cret-admin", result.AllText());
    }

    [Fact]
    public void WhatIfChangesNothing()
    {
        using var nodes = new EmptyClusterNodes(3);
        var result = _ps.Run($"New-RedisCluster -Endpoint {nodes.EndpointList()} -ReplicasPerPrimary 0 -WhatIf");
        Assert.True(result.Terminating == null && result.Errors.Count == 0, result.AllText());
        Assert.Empty(result.Output);
        Assert.All(nodes.Nodes, n => Assert.True(EmptyClusterNodes.IsUntouched(n)));
    }

    [Fact]
    public void RefusesANodeHoldingAKeyAndChangesNothing()
    {
        using var nodes = new EmptyClusterNodes(3);
        // A node in no cluster serves no slot, so SET is refused; DEBUG POPULATE writes past the slot check.
        nodes.Nodes[2].Execute("DEBUG", "POPULATE", "1", "left-over");
        ErrorRecord error = Refused(nodes.EndpointList(), 0);
        Assert.Equal(ErrorCategory.ResourceUnavailable, error.CategoryInfo.Category);
        Assert.StartsWith("RedisClusterNodeNotEmpty", error.FullyQualifiedErrorId);
        Assert.Contains(EmptyClusterNodes.EndpointOf(nodes.Nodes[2]) + " is not empty: it holds 1 key", error.Exception.Message);
        Assert.All(nodes.Nodes, n => Assert.True(EmptyClusterNodes.IsUntouched(n)));
    }

    [Fact]
    public void RefusesANodeThatIsNotClusterEnabledAndChangesNothing()
    {
        using var nodes = new EmptyClusterNodes(2);
        using var plain = new EmptyClusterNodes(1, clusterEnabled: false);
        ErrorRecord error = Refused(nodes.EndpointList() + "," + plain.EndpointList(), 0);
        Assert.Equal(ErrorCategory.InvalidOperation, error.CategoryInfo.Category);
        Assert.StartsWith("RedisClusterNotClusterEnabled", error.FullyQualifiedErrorId);
        Assert.Contains("Node " + EmptyClusterNodes.EndpointOf(plain.Nodes[0]) + " is not cluster-enabled", error.Exception.Message);
        Assert.All(nodes.Nodes, n => Assert.True(EmptyClusterNodes.IsUntouched(n)));
    }

    [Fact]
    public void RefusesAnUnreachableNodeAndChangesNothing()
    {
        using var nodes = new EmptyClusterNodes(3);
        string nowhere = "127.0.0.1:" + FreePorts.Pick(withBusPort: false);
        ErrorRecord error = Refused(nodes.EndpointList() + ",'" + nowhere + "'", 0);
        Assert.Equal(ErrorCategory.ConnectionError, error.CategoryInfo.Category);
        Assert.Contains("Node " + nowhere + " cannot be reached", error.Exception.Message);
        Assert.All(nodes.Nodes, n => Assert.True(EmptyClusterNodes.IsUntouched(n)));
    }

    [Fact]
    public void RefusesANodeOfAnotherClusterAndChangesNothing()
    {
        using var nodes = new EmptyClusterNodes(3);
        using var other = new EmptyClusterNodes(2);
        other.Nodes[0].Execute("CLUSTER", "MEET", "127.0.0.1", other.Nodes[1].Port.ToString(), (other.Nodes[1].Port + 10000).ToString());
        Assert.True(Poll.Until(() => EmptyClusterNodes.ClusterInfo(other.Nodes[1], "cluster_known_nodes") == "2", TimeSpan.FromSeconds(60)), "Timed out waiting for the other two nodes to meet");
        ErrorRecord error = Refused(nodes.EndpointList() + ",'" + EmptyClusterNodes.EndpointOf(other.Nodes[1]) + "'", 0);
        Assert.Equal(ErrorCategory.ResourceUnavailable, error.CategoryInfo.Category);
        Assert.Contains("Node " + EmptyClusterNodes.EndpointOf(other.Nodes[1]) + " is already part of a cluster (it knows 2 node(s)", error.Exception.Message);
        Assert.All(nodes.Nodes, n => Assert.True(EmptyClusterNodes.IsUntouched(n)));
        Assert.Equal("2", EmptyClusterNodes.ClusterInfo(other.Nodes[1], "cluster_known_nodes"));
    }

    [Fact]
    public void RefusesTooFewNodesForTheReplicasAndChangesNothing()
    {
        using var nodes = new EmptyClusterNodes(5);
        ErrorRecord error = Refused(nodes.EndpointList(), 1);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Contains("needs at least 6 nodes (3 primaries); 5 were given", error.Exception.Message);
        Assert.All(nodes.Nodes, n => Assert.True(EmptyClusterNodes.IsUntouched(n)));
    }

    [Fact]
    public void RefusesTheSameNodeTwice()
    {
        using var nodes = new EmptyClusterNodes(3);
        string same = "'localhost:" + nodes.Nodes[0].Port + "'";
        ErrorRecord error = Refused(nodes.EndpointList() + "," + same, 0);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Contains("are the same node", error.Exception.Message);
        Assert.All(nodes.Nodes, n => Assert.True(EmptyClusterNodes.IsUntouched(n)));
    }

    private ErrorRecord Refused(string endpoints, int replicas)
    {
        var (error, result) = _ps.RunExpectingTerminatingError($"New-RedisCluster -Endpoint {endpoints} -ReplicasPerPrimary {replicas}");
        Assert.DoesNotContain(result.Values, v => v is ClusterNode);
        return error;
    }
}
