using System.Management.Automation;
using RedisCluster.Engine.Fill;
using RedisCluster.Tests.Hosting;
using Xunit;

namespace RedisCluster.Tests.Fill;

/// <summary>
/// Start-RedisFill against real servers: the fill engine's numbers (bytes, keys, connections, shares per node,
/// shortfall), reproducible seeds, a replica target refused, and a stopped fill keeping its partial result.
/// -WhatIf and the warning stream are tests/Pester/Fill.Tests.ps1's.
/// </summary>
public sealed class StartRedisFillTests : IClassFixture<FillServerFixture>, IDisposable
{
    private readonly FillServerFixture _servers;
    private readonly PowerShellSession _ps = new();

    public StartRedisFillTests(FillServerFixture servers)
    {
        _servers = servers;
    }

    public void Dispose() => _ps.Dispose();

    private string Standalone => "127.0.0.1:" + _servers.Server.Port;

    [Fact]
    public void FiftyMegabytesLandAndAreCounted()
    {
        var output = _ps.RunClean($@"
            $r = Start-RedisFill -Endpoint {Standalone} -SizeMB 50 -Flush -Confirm:$false
            $r
            Invoke-RedisCommand DBSIZE -Endpoint {Standalone}
            (Invoke-RedisCommand 'INFO memory' -Endpoint {Standalone}) -match 'used_memory:(\d+)' | Out-Null
            [long]$Matches[1]");
        var result = Assert.IsType<FillResult>(output[0]);
        Assert.True(result.Completed);
        Assert.Equal("standalone", result.Mode);
        Assert.InRange(result.Bytes, 50L * 1024 * 1024, 50L * 1024 * 1024 + 1024);
        Assert.Equal(result.Keys, (long)output[1]!);
        Assert.Equal(0, result.Shortfall);
        Assert.Empty(result.Warnings);
        Assert.True((long)output[2]! > 50L * 1024 * 1024, "used_memory " + output[2]);
        Assert.Equal(8, result.Connections);
        var node = Assert.Single(result.Nodes);
        Assert.Equal(result.Keys, node.KeysFound);
    }

    [Fact]
    public void SeedMakesTheDataReproducible()
    {
        string script = $@"
            Start-RedisFill -Endpoint {Standalone} -SizeMB 2 -Flush -Force -Seed SEED -KeySize 32 -ValueSize 100 | Out-Null
            $keys = @(Get-RedisKey -Endpoint {Standalone} -Pattern '*fill:*' | ForEach-Object Key)
            $keys.Count
            $first = ($keys | ForEach-Object {{ $_ }} | Where-Object {{ $_ -like '*fill:0000*0' }})[0]
            $first
            [Convert]::ToBase64String((Invoke-RedisCommand GET $first -Endpoint {Standalone} -AsBytes))";
        var a = _ps.RunClean(script.Replace("SEED", "42"));
        var b = _ps.RunClean(script.Replace("SEED", "42"));
        var c = _ps.RunClean(script.Replace("SEED", "7"));
        Assert.Equal(a[0], b[0]);
        Assert.Equal(a[1], b[1]);
        Assert.Equal(a[2], b[2]);
        Assert.Equal(a[1], c[1]);
        Assert.NotEqual(a[2], c[2]);
    }

    [Fact]
    public void ClusterFillIsSpreadByOwnedSlotsWithoutErrors()
    {
        string seed = "127.0.0.1:" + _servers.Cluster.SeedPort;
        var output = _ps.RunClean($"Start-RedisFill -Endpoint {seed} -SizeMB 30 -Flush -Force -WithReplies -KeySize 64 -ValueSize 448");
        var result = Assert.IsType<FillResult>(output.Single());
        Assert.Equal("cluster", result.Mode);
        Assert.True(result.Completed);
        Assert.Equal(0, result.Errors);
        Assert.Equal(0, result.Shortfall);
        Assert.Equal(3, result.Nodes.Count);
        Assert.Equal(6, result.Connections);
        foreach (var node in result.Nodes)
        {
            double slotShare = node.Slots / 16384.0;
            Assert.InRange(node.Share, slotShare - 0.05, slotShare + 0.05);
            Assert.Equal(node.Keys, node.KeysFound);
        }

        Assert.Equal(result.Keys, result.Nodes.Sum(n => n.KeysFound ?? 0));

        // Fire-and-forget as well: the same counts, found where they belong.
        var again = Assert.IsType<FillResult>(_ps.RunClean($"Start-RedisFill -Endpoint {seed} -SizeMB 30 -Flush -Force -KeySize 64 -ValueSize 448").Single());
        Assert.Equal(0, again.Shortfall);
        Assert.Equal(again.Keys, again.Nodes.Sum(n => n.KeysFound ?? 0));
    }

    [Fact]
    public void AReplicaTargetIsRefused()
    {
        var replica = _servers.Cluster.Replicas().First();
        var (error, _) = _ps.RunExpectingTerminatingError($"Start-RedisFill -Endpoint 127.0.0.1:{replica.Port} -Standalone -SizeMB 1");
        Assert.Contains("replica", error.Exception.Message);
    }

    [Fact]
    public void AShortfallUnderMaxmemoryIsCountedNotASilentSuccess()
    {
        // The warning the cmdlet writes to the warning stream is tests/Pester/Fill.Tests.ps1's.
        string tiny = "127.0.0.1:" + _servers.Tiny.Port;
        var result = _ps.Run($"Start-RedisFill -Endpoint {tiny} -SizeMB 20 -Flush -Force");
        var fill = Assert.IsType<FillResult>(result.Values.Single());
        Assert.True(fill.Shortfall > 0);
        Assert.Contains(fill.Warnings, w => w.Contains("OOM"));
    }

    [Fact]
    public async Task StoppingEndsPromptlyAndKeepsThePartialResult()
    {
        using var ps = PowerShell.Create();
        ps.Runspace = _ps.Runspace;
        ps.AddScript($"Start-RedisFill -Endpoint 127.0.0.1:{_servers.StopTarget.Port} -SizeGB 4 -Flush -Force -Verify:$false");
        // Stop once the progress bar shows bytes written (bytes, rate and share), not after a fixed time: on a
        // busy machine the fill may not have written anything yet after any fixed delay.
        using var written = new ManualResetEventSlim();
        ps.Streams.Progress.DataAdded += (_, e) =>
        {
            ProgressRecord p = ps.Streams.Progress[e.Index];
            if (p.Activity.StartsWith("Filling ", StringComparison.Ordinal) && p.StatusDescription.Contains("MB/s", StringComparison.Ordinal)
                && !p.StatusDescription.StartsWith("0 MB ", StringComparison.Ordinal) && p.PercentComplete >= 0)
            {
                written.Set();
            }
        };
        var pending = ps.BeginInvoke();
        Assert.True(written.Wait(TimeSpan.FromMinutes(2)), "no progress record with bytes written within 2 minutes");
        // Stop returns once the cmdlet has honoured it; the bound only turns a hang into a failure.
        await Task.Run(ps.Stop).WaitAsync(TimeSpan.FromMinutes(1));
        Assert.True(pending.IsCompleted);

        var partial = _ps.RunClean("$RedisLastFillResult");
        var result = Assert.IsType<FillResult>(partial.Single());
        Assert.False(result.Completed);
        Assert.True(result.Keys > 0);
        Assert.True(result.Bytes < 4L * 1024 * 1024 * 1024);
    }
}
