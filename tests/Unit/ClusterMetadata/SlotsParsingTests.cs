using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;
using Xunit;

namespace RedisCluster.Tests.ClusterMetadata;

public sealed class SlotsParsingTests
{
    private static readonly RedisEndpoint Queried = new("seed.example", 7000);

    public static IEnumerable<object[]> Protocols => ReplyBuilder.Both;

    [Theory]
    [MemberData(nameof(Protocols))]
    public void PrimariesOwningSeveralRangesAreMergedAndReplicasLinked(int protocol)
    {
        var r = ReplyBuilder.For(protocol);
        // 7.0 shape: [start, end, [endpoint, port, id, metadata], replicas...]; "a" owns two ranges.
        RespValue reply = r.Arr(
            r.Arr(0, 5460, r.Arr("127.0.0.1", 7001, "a", r.Map()), r.Arr("127.0.0.1", 7004, "a1", r.Map())),
            r.Arr(5461, 10922, r.Arr("127.0.0.1", 7002, "b", r.Map()), r.Arr("127.0.0.1", 7005, "b1", r.Map())),
            r.Arr(10923, 16000, r.Arr("127.0.0.1", 7003, "c", r.Map()), r.Arr("127.0.0.1", 7006, "c1", r.Map())),
            r.Arr(16001, 16383, r.Arr("127.0.0.1", 7001, "a", r.Map()), r.Arr("127.0.0.1", 7004, "a1", r.Map())));

        ClusterTopology t = ClusterTopology.FromSlots(reply, useTls: false, Queried);
        Assert.Equal(new[] { "a", "b", "c" }, t.Primaries.Select(n => n.Id));
        Assert.Equal(new[] { "a1", "b1", "c1" }, t.Replicas.Select(n => n.Id));
        Assert.Equal(new[] { new SlotRange(0, 5460), new SlotRange(16001, 16383) }, t.FindById("a")!.Slots);
        Assert.True(t.CoversAllSlots);
        Assert.Equal("a", t.GetPrimaryForSlot(16383)!.Id);
        Assert.Equal("a", t.FindById("a1")!.PrimaryId);
        Assert.Empty(t.FindById("a1")!.Slots);

        ClusterNode b = t.FindById("b")!;
        Assert.Equal(new RedisEndpoint("127.0.0.1", 7002), b.Endpoint);
        Assert.Equal("127.0.0.1", b.Ip);
        Assert.Equal(7002, b.Port);
        Assert.Null(b.TlsPort);
        Assert.Equal(ClusterNodeHealth.Unknown, b.Health);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public void OverTlsThePortIsTheTlsPort(int protocol)
    {
        var r = ReplyBuilder.For(protocol);
        RespValue reply = r.Arr(r.Arr(0, 16383, r.Arr("127.0.0.1", 8001, "a", r.Map())));
        ClusterNode a = ClusterTopology.FromSlots(reply, useTls: true, Queried).FindById("a")!;
        Assert.Equal(new RedisEndpoint("127.0.0.1", 8001), a.Endpoint);
        Assert.Equal(8001, a.TlsPort);
        Assert.Equal(0, a.Port);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public void EndpointVariants(int protocol)
    {
        var r = ReplyBuilder.For(protocol);
        RespValue reply = r.Arr(
            // hostname preferred and set: metadata carries the IP
            r.Arr(0, 99, r.Arr("node1.example", 7001, "h", r.Map("ip", "10.0.0.1"))),
            // hostname preferred, none set: "?" with the IP in metadata
            r.Arr(100, 199, r.Arr("?", 7002, "q", r.Map("ip", "10.0.0.2"))),
            // unknown-endpoint: null endpoint
            r.Arr(200, 299, r.Arr(null, 7003, "e", r.Map("ip", "10.0.0.3"))),
            // IP preferred with a hostname set: metadata carries the hostname
            r.Arr(300, 399, r.Arr("10.0.0.4", 7004, "i", r.Map("hostname", "node4.example"))),
            // "?" and no IP at all
            r.Arr(400, 499, r.Arr("?", 7005, "n")),
            // empty string endpoint
            r.Arr(500, 599, r.Arr("", 7006, "s")),
            r.Arr(600, 699, r.Arr("::1", 7007, "v6", r.Map())));

        ClusterTopology t = ClusterTopology.FromSlots(reply, useTls: false, Queried);
        Assert.Equal(new RedisEndpoint("node1.example", 7001), t.FindById("h")!.Endpoint);
        Assert.Equal("10.0.0.1", t.FindById("h")!.Ip);
        Assert.Equal(new RedisEndpoint("10.0.0.2", 7002), t.FindById("q")!.Endpoint);
        Assert.Equal(new RedisEndpoint("seed.example", 7003), t.FindById("e")!.Endpoint);
        Assert.Equal("10.0.0.3", t.FindById("e")!.Ip);
        Assert.Equal(new RedisEndpoint("10.0.0.4", 7004), t.FindById("i")!.Endpoint);
        Assert.Equal("node4.example", t.FindById("i")!.Hostname);
        Assert.Equal("10.0.0.4", t.FindById("i")!.Ip);
        Assert.Equal(new RedisEndpoint("seed.example", 7005), t.FindById("n")!.Endpoint);
        Assert.Equal(new RedisEndpoint("seed.example", 7006), t.FindById("s")!.Endpoint);
        Assert.Equal(new RedisEndpoint("::1", 7007), t.FindById("v6")!.Endpoint);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public void ServersWithoutNodeIdsGetTheAddressAsId(int protocol)
    {
        var r = ReplyBuilder.For(protocol);
        RespValue reply = r.Arr(
            r.Arr(0, 8191, r.Arr("10.0.0.1", 7001), r.Arr("10.0.0.2", 7002)),
            r.Arr(8192, 16383, r.Arr("10.0.0.3", 7003)));
        ClusterTopology t = ClusterTopology.FromSlots(reply, useTls: false, Queried);
        Assert.Equal(new[] { "10.0.0.1:7001", "10.0.0.3:7003" }, t.Primaries.Select(n => n.Id));
        Assert.Equal("10.0.0.1:7001", t.FindById("10.0.0.2:7002")!.PrimaryId);
        Assert.True(t.CoversAllSlots);
    }

    [Fact]
    public void MalformedRepliesFailClearly()
    {
        var r = ReplyBuilder.V2;
        Assert.Throws<RedisServerErrorException>(() => ClusterTopology.FromSlots(RespValue.Error("ERR This instance has cluster support disabled"), false, Queried));
        Assert.Contains("expected start, end and a primary", Assert.Throws<RedisException>(
            () => ClusterTopology.FromSlots(r.Arr(r.Arr(0, 1)), false, Queried)).Message);
        Assert.Contains("expected endpoint and port", Assert.Throws<RedisException>(
            () => ClusterTopology.FromSlots(r.Arr(r.Arr(0, 1, r.Arr("x"))), false, Queried)).Message);
        Assert.Contains("0-16383", Assert.Throws<RedisException>(
            () => ClusterTopology.FromSlots(r.Arr(r.Arr(5, 1, r.Arr("x", 1))), false, Queried)).Message);
    }
}
