using System.Management.Automation;
using RedisCluster.Engine.Cluster;
using RedisCluster.Tests.Hosting;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Module;

/// <summary>
/// The command cmdlets against a real cluster, used exactly as against one server: cluster detection, routing
/// of multi-key commands, the slot of a key, the CROSSSLOT hint, the topology and the SCAN of every primary.
/// Piping objects between cmdlets, -Verbose and Enter-RedisCli are tests/Pester/Cluster.Tests.ps1's.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterCmdletTests : IDisposable
{
    private readonly RedisClusterProcesses _cluster;
    private readonly PowerShellSession _ps = new();

    public ClusterCmdletTests(ClusterFixture fixture)
    {
        _cluster = fixture.Cluster;
        _ps.RunClean($"Connect-Redis -Endpoint 127.0.0.1:{_cluster.SeedPort} | Out-Null");
    }

    public void Dispose() => _ps.Dispose();

    private static string Prefix(string name) => "ps:" + name + ":" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public void ConnectDetectsTheCluster()
    {
        var output = _ps.RunClean($"(Connect-Redis -Endpoint 127.0.0.1:{_cluster.SeedPort} -NoDefault).IsCluster");
        Assert.Equal(new object?[] { true }, output);
    }

    [Fact]
    public void CommandsWorkWithoutKnowingTheClusterExists()
    {
        string p = Prefix("plain");
        var output = _ps.RunClean($@"
            $keys = 1..30 | ForEach-Object {{ ""{p}:$_"" }}
            $keys | ForEach-Object {{ ""SET $_ value-$_"" }} | Invoke-RedisCommand | Out-Null
            $values = Invoke-RedisCommand -Command (@('MGET') + $keys)
            $values.Count
            $values[0]; $values[29]
            Invoke-RedisCommand -Command (@('DEL') + $keys)");
        Assert.Equal(new object?[] { 30, $"value-{p}:1", $"value-{p}:30", 30L }, output);
    }

    [Fact]
    public void DetailedShowsTheNodeAndSlot()
    {
        string key = Prefix("detailed");
        var output = _ps.RunClean($"Invoke-RedisCommand SET {key} v -Detailed");
        dynamic reply = output.Single()!;
        Assert.Equal(HashSlot.GetSlot(key), (int)reply.Slot);
        Assert.Contains("127.0.0.1:", (string)reply.Endpoint);
    }

    [Fact]
    public void CrossSlotErrorExplainsHashTags()
    {
        var result = _ps.Run($"Invoke-RedisCommand SUNIONSTORE {Prefix("a")} {Prefix("b")} {Prefix("c")}");
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("RedisServerError.CROSSSLOT", error.FullyQualifiedErrorId);
        Assert.Contains("hash tag", error.Exception.Message);
    }

    [Fact]
    public void GetRedisClusterNodeListsEveryNode()
    {
        var output = _ps.RunClean(@"
            $nodes = Get-RedisClusterNode
            $nodes.Count
            @($nodes | Where-Object Role -eq 'Primary').Count
            @(Get-RedisClusterNode -Role Replica).Count
        ");
        Assert.Equal(6, output[0]);
        Assert.Equal(3, output[1]);
        Assert.Equal(3, output[2]);
    }

    [Fact]
    public void GetRedisKeyScansEveryPrimary()
    {
        string p = Prefix("scan");
        var output = _ps.RunClean($@"
            1..50 | ForEach-Object {{ ""SET {p}:$_ x"" }} | Invoke-RedisCommand | Out-Null
            $keys = @(Get-RedisKey -Pattern '{p}:*')
            $keys.Count
            $nodes = @{{}}; $keys | ForEach-Object {{ $nodes[$_.Node] = 1 }}; $nodes.Count
            @(Get-RedisKey -Pattern '{p}:*' -Type hash).Count");
        Assert.Equal(50, output[0]);
        Assert.Equal(3, output[1]);
        Assert.Equal(0, output[2]);
    }
}
