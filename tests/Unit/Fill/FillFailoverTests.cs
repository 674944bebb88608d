using System.Diagnostics;
using System.Management.Automation;
using RedisCluster.Engine.Fill;
using RedisCluster.Tests.Hosting;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Fill;

/// <summary>A primary killed in the middle of a fill: a warning, the other nodes finish, nothing hangs.</summary>
public sealed class FillFailoverTests : IClassFixture<DedicatedClusterFixture>
{
    private readonly RedisClusterProcesses _cluster;

    public FillFailoverTests(DedicatedClusterFixture fixture)
    {
        _cluster = fixture.Cluster;
    }

    [Fact]
    public void AKilledPrimaryStopsItsWorkersWithAWarning()
    {
        using var session = new PowerShellSession();
        using var ps = PowerShell.Create();
        ps.Runspace = session.Runspace;
        ps.AddScript($"Start-RedisFill -Endpoint 127.0.0.1:{_cluster.SeedPort} -SizeGB 2 -Flush -Force -KeySize 64 -ValueSize 960 -WarningVariable fillWarnings");
        var clock = Stopwatch.StartNew();
        var pending = ps.BeginInvoke();
        var victim = _cluster.Masters().Last();
        while (!pending.IsCompleted && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            // Kill once data is flowing: the victim holds some keys.
            if (victim.IsRunning && victim.Cli("DBSIZE") is string size && long.TryParse(size, out long keys) && keys > 1000)
            {
                victim.Kill();
            }

            Thread.Sleep(100);
        }

        Assert.False(victim.IsRunning, "the fill ended before the victim could be killed");
        // The other primaries go on writing their share (over a gigabyte): on a loaded machine that takes minutes.
        // The bound only turns a hang into a failure; it is not a speed requirement.
        Assert.True(pending.AsyncWaitHandle.WaitOne(TimeSpan.FromMinutes(10)), "the fill hung after a node died");
        var output = ps.EndInvoke(pending);
        var result = Assert.IsType<FillResult>(Assert.Single(output).BaseObject);
        Assert.False(result.Completed);
        Assert.Contains(result.Warnings, w => w.Contains(victim.Port.ToString(), StringComparison.Ordinal));
        Assert.True(result.Nodes.Count(n => n.Keys > 0) == 3);
    }
}
