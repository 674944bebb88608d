using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Protocol;
using Xunit;

namespace RedisCluster.Tests.ClusterMetadata;

public sealed class ClusterRedirectTests
{
    private static readonly RedisEndpoint SentTo = new("10.1.1.1", 7000);

    private static ClusterRedirect Parse(string message)
    {
        Assert.True(ClusterRedirect.TryParse(RespValue.Error(message), out ClusterRedirect? redirect), message);
        return redirect!;
    }

    [Fact]
    public void MovedToAnIpAddress()
    {
        ClusterRedirect r = Parse("MOVED 3999 127.0.0.1:6381");
        Assert.Equal(RedirectKind.Moved, r.Kind);
        Assert.Equal(3999, r.Slot);
        Assert.Equal("127.0.0.1", r.Host);
        Assert.Equal(6381, r.Port);
        Assert.False(r.IsHostUnknown);
        Assert.Equal(new RedisEndpoint("127.0.0.1", 6381), r.ResolveEndpoint(SentTo));
        Assert.Equal("MOVED 3999 127.0.0.1:6381", r.ToString());
    }

    [Fact]
    public void AskWithAnEmptyEndpointReusesTheHostItWasSentTo()
    {
        ClusterRedirect r = Parse("ASK 3999 :6381");
        Assert.Equal(RedirectKind.Ask, r.Kind);
        Assert.Null(r.Host);
        Assert.False(r.IsHostUnknown);
        Assert.Equal(new RedisEndpoint("10.1.1.1", 6381), r.ResolveEndpoint(SentTo));
    }

    [Fact]
    public void QuestionMarkMeansRefreshTheTopology()
    {
        ClusterRedirect r = Parse("MOVED 3999 ?:6381");
        Assert.Null(r.Host);
        Assert.True(r.IsHostUnknown);
        Assert.Equal(6381, r.Port);
        Assert.Null(r.ResolveEndpoint(SentTo));
        Assert.Equal("MOVED 3999 ?:6381", r.ToString());
    }

    [Theory]
    [InlineData("MOVED 1 ::1:7000", "::1", 7000)]
    [InlineData("MOVED 1 fe80::1:2:7000", "fe80::1:2", 7000)]
    [InlineData("ASK 16383 [::1]:7000", "::1", 7000)]
    [InlineData("MOVED 0 redis-0.redis.svc.cluster.local:6379", "redis-0.redis.svc.cluster.local", 6379)]
    public void HostsSplitAtTheLastColon(string message, string host, int port)
    {
        ClusterRedirect r = Parse(message);
        Assert.Equal(host, r.Host);
        Assert.Equal(port, r.Port);
        Assert.Equal(new RedisEndpoint(host, port), r.ResolveEndpoint(SentTo));
    }

    [Theory]
    [InlineData("ERR unknown command")]
    [InlineData("MOVED")]
    [InlineData("MOVED 3999")]
    [InlineData("MOVED x 127.0.0.1:6381")]
    [InlineData("MOVED -1 127.0.0.1:6381")]
    [InlineData("MOVED 16384 127.0.0.1:6381")]
    [InlineData("MOVED 1 127.0.0.1")]
    [InlineData("MOVED 1 127.0.0.1:0")]
    [InlineData("MOVED 1 127.0.0.1:65536")]
    [InlineData("MOVED 1 127.0.0.1:port")]
    [InlineData("moved 1 127.0.0.1:6381")]
    [InlineData("TRYAGAIN Multiple keys request during rehashing of slot")]
    [InlineData("CLUSTERDOWN The cluster is down")]
    public void OtherErrorsAreNotRedirects(string message)
    {
        Assert.False(ClusterRedirect.TryParse(RespValue.Error(message), out ClusterRedirect? redirect));
        Assert.Null(redirect);
    }

    [Fact]
    public void OnlyErrorRepliesAreRedirects()
    {
        Assert.False(ClusterRedirect.TryParse(RespValue.SimpleString("MOVED 1 127.0.0.1:6381"), out _));
        Assert.False(ClusterRedirect.TryParse(RespValue.BulkString("MOVED 1 127.0.0.1:6381"), out _));
        Assert.True(ClusterRedirect.TryParse(RespValue.Create(RespType.BulkError, System.Text.Encoding.UTF8.GetBytes("ASK 1 h:1")), out ClusterRedirect? bulk));
        Assert.Equal(RedirectKind.Ask, bulk!.Kind);
    }
}
