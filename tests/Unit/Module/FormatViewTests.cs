using RedisCluster.Tests.Help;
using RedisCluster.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace RedisCluster.Tests.Module;

/// <summary>The default views of the format file, rendered as a console would show them.</summary>
[Collection(ClusterCollection.Name)]
public sealed class FormatViewTests
{
    private readonly RedisClusterProcesses _cluster;
    private readonly ITestOutputHelper _output;

    public FormatViewTests(ClusterFixture fixture, ITestOutputHelper output)
    {
        _cluster = fixture.Cluster;
        _output = output;
    }

    private string Render(string script)
    {
        // Header styling arrives as ANSI sequences; the layout is what matters here.
        string text = System.Text.RegularExpressions.Regex.Replace(TextCaptureHost.Render(script), "\u001b\\[[0-9;]*m", string.Empty);
        _output.WriteLine(text);
        return text;
    }

    [Fact]
    public void ConnectionsShowEndpointModeVersionAndSecurity()
    {
        string text = Render($"Connect-Redis -Endpoint 127.0.0.1:{_cluster.SeedPort}");
        Assert.Matches(@"Endpoint\s+Mode\s+Version\s+Protocol\s+User\s+Tls\s+Database", text);
        Assert.Matches($@"127\.0\.0\.1:{_cluster.SeedPort}\s+cluster\s+7\.\d+\.\d+\s+RESP3\s+\(none\)\s+False\s+0", text);
    }

    [Fact]
    public void DetailedRepliesShowNodeSlotAndTime()
    {
        string text = Render($"Connect-Redis -Endpoint 127.0.0.1:{_cluster.SeedPort} | Out-Null; Invoke-RedisCommand SET view:key hello -Detailed; Invoke-RedisCommand GET view:key -Detailed");
        Assert.Matches(@"Command\s+Value\s+Type\s+Endpoint\s+Slot\s+Ms", text);
        Assert.Matches(@"GET view:key\s+hello\s+BulkString\s+127\.0\.0\.1:\d+\s+\d+\s+\d", text);
    }

    [Fact]
    public void ClusterNodesShowRolesAndSlots()
    {
        string text = Render($"Get-RedisClusterNode -Endpoint 127.0.0.1:{_cluster.SeedPort}");
        Assert.Matches(@"Id\s+Endpoint\s+Role\s+Primary\s+Slots\s+Health\s+Offset", text);
        Assert.Matches(@"Primary\s+0-\d+\s+Online", text);
        Assert.Matches(@"Replica\s+[0-9a-f]{8}", text);
    }

    [Fact]
    public void KeysShowSlotAndNode()
    {
        string text = Render($"Invoke-RedisCommand SET view:k1 x -Endpoint 127.0.0.1:{_cluster.SeedPort} | Out-Null; Get-RedisKey -Pattern view:k1 -Endpoint 127.0.0.1:{_cluster.SeedPort}");
        Assert.Matches(@"Key\s+Slot\s+Node", text);
        Assert.Matches(@"view:k1\s+\d+\s+127\.0\.0\.1:\d+", text);
    }

    [Fact]
    public void FillResultsShowThroughputAndPerNodeShares()
    {
        string text = Render($"$r = Start-RedisFill -Endpoint 127.0.0.1:{_cluster.SeedPort} -SizeMB 4 -KeySize 32 -ValueSize 480; $r | Out-Default; $r.Nodes | Out-Default");
        Assert.Matches(@"Target\s+Mode\s+Keys\s+MB\s+Seconds\s+MB/s\s+Keys/s\s+Conns\s+Completed\s+Shortfall", text);
        Assert.Matches(@"cluster\s+8,192\s+4\.0\s+[\d.]+\s+[\d.]+\s+[\d,]+\s+6\s+True\s+0", text);
        Assert.Matches(@"Node\s+Slots\s+Keys\s+MB\s+Share\s+KeysFound", text);
        Assert.Matches(@"127\.0\.0\.1:\d+\s+546[01]\s+[\d,]+\s+1\.\d\s+3\d\.\d\s?%", text);
    }
}
