using System.Management.Automation;
using RedisCluster.Engine.Cluster;
using RedisCluster.Tests.Hosting;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Administration;

/// <summary>Refusals on the shared cluster (3 primaries, 3 replicas): each must stop with an error before any slot changes.</summary>
public abstract class SharedClusterRefusals : IDisposable
{
    private readonly RedisClusterProcesses _shared;
    private readonly string _before;

    protected SharedClusterRefusals(ClusterFixture fixture)
    {
        _shared = fixture.Cluster;
        Nodes = Ps.RunClean($"Get-RedisClusterNode -Endpoint {Seed} -Refresh").Cast<ClusterNode>().ToList();
        _before = SlotMap();
    }

    protected PowerShellSession Ps { get; } = new();

    protected List<ClusterNode> Nodes { get; }

    protected string Seed => "127.0.0.1:" + _shared.SeedPort;

    public void Dispose() => Ps.Dispose();

    /// <summary>Runs the script (-Confirm:$false added), expects a terminating error and an unchanged slot map.</summary>
    protected ErrorRecord Refused(string script)
    {
        var (error, result) = Ps.RunExpectingTerminatingError(script + " -Confirm:$false");
        Assert.DoesNotContain(result.Values, v => v is not ErrorRecord);
        AssertUnchanged();
        return error;
    }

    /// <summary><see cref="Refused"/> with an InvalidArgument error whose message contains <paramref name="message"/>.</summary>
    protected ErrorRecord RefusedAsInvalidArgument(string script, string message)
    {
        ErrorRecord error = Refused(script);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Contains(message, error.Exception.Message);
        return error;
    }

    protected void AssertUnchanged() => Assert.Equal(_before, SlotMap());

    private string SlotMap() => ClusterLayout.SlotColumns(_shared);
}
