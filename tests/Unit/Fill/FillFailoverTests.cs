using System.Management.Automation;
using RedisCluster.Engine.Fill;
using RedisCluster.Tests.Hosting;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Fill;

/// <summary>
/// A primary killed in the middle of a fill: a warning, the other nodes finish, nothing hangs, and what the
/// dead node's slots hold afterwards (on the replica that took them over) is reported, not what was sent.
/// </summary>
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
        var pending = ps.BeginInvoke();
        var victim = _cluster.Masters().Last();

        // Kill once data is flowing: the victim holds some keys.
        bool loaded = Poll.Until(() => pending.IsCompleted || (victim.Cli("DBSIZE") is string size && long.TryParse(size, out long keys) && keys > 1000), Poll.Deadline);
        Assert.True(loaded, "the victim received no keys");

        // Frozen first, so that the fill cannot end between the look and the kill: it waits for the victim (its writes
        // and the replies-on barrier), however fast the machine. Then a fill still running is certainly cut short.
        PosixProcess.Signal(victim.Pid, PosixProcess.SIGSTOP);
        Assert.False(pending.IsCompleted, "the fill ended before the victim could be killed");
        victim.Kill();
        // The other primaries go on writing their share (over a gigabyte): on a loaded machine that takes minutes.
        // The bound only turns a hang into a failure; it is not a speed requirement.
        Assert.True(pending.AsyncWaitHandle.WaitOne(TimeSpan.FromMinutes(10)), "the fill hung after a node died");
        var output = ps.EndInvoke(pending);
        var result = Assert.IsType<FillResult>(Assert.Single(output).BaseObject);
        Assert.False(result.Completed);
        Assert.Contains(result.Warnings, w => w.Contains(victim.Port.ToString(), StringComparison.Ordinal));
        Assert.True(result.Nodes.Count(n => n.Keys > 0) == 3);

        // Fire-and-forget keys sent to the victim but never replicated are lost; the result must say so.
        // The fill waits for the replica to take the victim's slots over and counts them there.
        var victimRow = Assert.Single(result.Nodes, n => n.Node.EndsWith(":" + victim.Port, StringComparison.Ordinal));
        Assert.True(victimRow.Verified, "the victim's keys were not counted on the node that took its slots over");
        Assert.NotNull(victimRow.VerifiedOn);
        Assert.NotEqual(victimRow.Node, victimRow.VerifiedOn);
        Assert.All(result.Nodes, n => Assert.NotNull(n.KeysFound));
        _cluster.WaitHealthy(TimeSpan.FromSeconds(60));
        long stored = _cluster.Masters().Where(m => m.IsRunning).Sum(m => long.Parse(m.Cli("DBSIZE"), System.Globalization.CultureInfo.InvariantCulture));
        string rows = string.Join("; ", result.Nodes.Select(n => n.Node + " sent " + n.Keys + " found " + n.KeysFound + " on " + n.VerifiedOn))
            + " | " + string.Join(" | ", result.Warnings);
        Assert.True(stored == result.Nodes.Sum(n => n.KeysFound!.Value), "stored " + stored + ": " + rows);
        Assert.True(result.Keys - stored == result.Shortfall, "stored " + stored + ", shortfall " + result.Shortfall + ": " + rows);
        // The live primaries can lose keys too: while the dead node's slots are unserved the cluster answers
        // CLUSTERDOWN to every write, which replies-off hides. The shortfall is the sum of what each node lacks.
        Assert.Equal(result.Nodes.Sum(n => Math.Max(0, n.Keys - n.KeysFound!.Value)), result.Shortfall);
        Assert.True(result.Shortfall > 0 == result.Warnings.Any(w => w.Contains("fewer keys", StringComparison.Ordinal) || w.Contains("took its slots over", StringComparison.Ordinal)), rows);

        // Each warning once, however many workers the dead node had.
        Assert.Equal(result.Warnings.Count, result.Warnings.Distinct().Count());
        Assert.Single(result.Warnings, w => w.Contains("its workers stopped", StringComparison.Ordinal));
    }
}
