using System.Text;
using RedisCluster.Engine.Tunnel.Smart.Tracking;
using Xunit;

namespace RedisCluster.Tests.Tunnel.Smart.Tracking;

public sealed class TrackingRequestTests
{
    [Fact]
    public void ReadsEveryOptionInAnyOrderAndCase()
    {
        TrackingRequest request = Parse("CLIENT", "tracking", "On", "prefix", "a:", "noloop", "Bcast", "REDIRECT", "42", "PREFIX", "b:")!;
        Assert.True(request.On);
        Assert.Equal(42, request.Redirect);
        Assert.Equal(TrackingFlags.Bcast | TrackingFlags.NoLoop, request.Flags);
        Assert.Equal(new[] { "a:", "b:" }, request.Prefixes.Select(p => Encoding.UTF8.GetString(p)));
    }

    [Theory]
    [InlineData("ERR syntax error", "CLIENT", "TRACKING", "maybe")]
    [InlineData("ERR syntax error", "CLIENT", "TRACKING", "on", "REDIRECT")]
    [InlineData("ERR syntax error", "CLIENT", "TRACKING", "on", "SOMETIMES")]
    [InlineData("ERR value is not an integer or out of range", "CLIENT", "TRACKING", "on", "REDIRECT", "x")]
    [InlineData("ERR A client can only redirect to a single other client", "CLIENT", "TRACKING", "on", "REDIRECT", "1", "REDIRECT", "2")]
    public void RefusesWhatRedisRefuses(string error, params string[] args)
    {
        Assert.Null(TrackingRequest.Parse(args.Select(a => Encoding.UTF8.GetBytes(a)).ToArray(), out string? reason));
        Assert.Equal(error, reason);
    }

    private static TrackingRequest? Parse(params string[] args) => TrackingRequest.Parse(args.Select(a => Encoding.UTF8.GetBytes(a)).ToArray(), out _);
}
