using RedisCluster.Tests.Hosting;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Module;

/// <summary>Tab completion as the console asks for it (CommandCompletion.CompleteInput).</summary>
[Collection(ClusterCollection.Name)]
public sealed class CompletionTests : IDisposable
{
    private readonly RedisClusterProcesses _cluster;
    private readonly PowerShellSession _ps = new();

    public CompletionTests(ClusterFixture fixture)
    {
        _cluster = fixture.Cluster;
        _ps.RunClean($"Connect-Redis -Endpoint 127.0.0.1:{_cluster.SeedPort} | Out-Null");
    }

    public void Dispose() => _ps.Dispose();

    private List<string> Complete(string line)
        => _ps.RunClean($"[System.Management.Automation.CommandCompletion]::CompleteInput('{line}', {line.Length}, $null).CompletionMatches | ForEach-Object CompletionText")
            .Cast<string>().ToList();

    [Fact]
    public void CommandNamesComeFromTheServer()
    {
        var matches = Complete("Invoke-RedisCommand CLUS");
        Assert.Contains("CLUSTER", matches);
        Assert.All(matches, m => Assert.StartsWith("CLUS", m));
        Assert.Contains("ZUNIONSTORE", Complete("Invoke-RedisCommand ZUNI"));
    }

    [Fact]
    public void EndpointsAreTheNodesTheSessionKnows()
    {
        var matches = Complete("Invoke-RedisCommand PING -Endpoint 127.0.0.1:");
        Assert.Equal(6, matches.Count);
        Assert.Contains($"127.0.0.1:{_cluster.SeedPort}", matches);
    }

    [Fact]
    public void EnumParametersComplete()
    {
        Assert.Equal(new[] { "MSet", "Set" }, Complete("Start-RedisFill -CommandShape ").OrderBy(s => s).ToArray());
        Assert.Contains("Replica", Complete("Get-RedisClusterNode -Role "));
    }
}
