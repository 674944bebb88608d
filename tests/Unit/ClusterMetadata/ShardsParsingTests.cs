using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;
using Xunit;

namespace RedisCluster.Tests.ClusterMetadata;

public sealed class ShardsParsingTests
{
    private static readonly RedisEndpoint Queried = new("seed.example", 7000);

    private const string IdA = "db8dfaf5ee86d1928efdb7a466304cfdfb3df949";
    private const string IdA1 = "b5430db1a9aaf86f4d2aa0d7a9cf33763b3b879d";
    private const string IdB = "94797228a09329658074188cf26b59d5d5d477be";
    private const string IdB1 = "2a592d93f33eb5003560f05940ae91bc75ea0910";
    private const string IdC = "632aba447569d410679f2008fd788da1a4d922b7";
    private const string IdC1 = "46afb1a1898aef85efb0e402442249ec7276272f";

    public static IEnumerable<object[]> Protocols => ReplyBuilder.Both;

    // As 7.0.15 answers on a plaintext 3x1 cluster (shard order is the server's, not slot order).
    private static RespValue ThreeByOne(ReplyBuilder r, string replicaBHealth = "online") => r.Arr(
        r.Map("slots", r.Arr(5461, 10922), "nodes", r.Arr(
            Node(r, IdB, 7002, "master", 98, "online"),
            Node(r, IdB1, 7005, "replica", 98, replicaBHealth))),
        r.Map("slots", r.Arr(0, 5460), "nodes", r.Arr(
            Node(r, IdA1, 7004, "replica", 14, "online"),
            Node(r, IdA, 7001, "master", 14, "online"))),
        r.Map("slots", r.Arr(10923, 16383), "nodes", r.Arr(
            Node(r, IdC, 7003, "master", 112, "online"),
            Node(r, IdC1, 7006, "replica", 0, "loading"))));

    private static RespValue Node(ReplyBuilder r, string id, int port, string role, long offset, string health) => r.Map(
        "id", id, "port", port, "ip", "127.0.0.1", "endpoint", "127.0.0.1", "role", role, "replication-offset", offset, "health", health);

    [Theory]
    [MemberData(nameof(Protocols))]
    public void ThreeByOneClusterGivesPrimariesReplicasAndEverySlot(int protocol)
    {
        var r = ReplyBuilder.For(protocol);
        ClusterTopology t = ClusterTopology.FromShards(ThreeByOne(r), useTls: false, Queried);

        Assert.Equal(6, t.Nodes.Count);
        Assert.Equal(new[] { IdB, IdA, IdC }, t.Primaries.Select(n => n.Id));
        Assert.Equal(new[] { IdB1, IdA1, IdC1 }, t.Replicas.Select(n => n.Id));
        Assert.True(t.CoversAllSlots);
        Assert.Equal(16384, t.CoveredSlotCount);
        Assert.Equal(IdA, t.GetPrimaryForSlot(0)!.Id);
        Assert.Equal(IdA, t.GetPrimaryForSlot(5460)!.Id);
        Assert.Equal(IdB, t.GetPrimaryForSlot(5461)!.Id);
        Assert.Equal(IdC, t.GetPrimaryForSlot(16383)!.Id);

        ClusterNode a = t.FindById(IdA)!;
        Assert.Equal(new RedisEndpoint("127.0.0.1", 7001), a.Endpoint);
        Assert.Equal("127.0.0.1", a.Ip);
        Assert.Null(a.Hostname);
        Assert.Equal(7001, a.Port);
        Assert.Null(a.TlsPort);
        Assert.Equal(ClusterNodeRole.Primary, a.Role);
        Assert.Null(a.PrimaryId);
        Assert.Equal(new[] { new SlotRange(0, 5460) }, a.Slots);
        Assert.Equal(ClusterNodeHealth.Online, a.Health);
        Assert.Equal(14, a.ReplicationOffset);
        Assert.False(a.IsMyself);
        Assert.Empty(a.Flags);

        ClusterNode c1 = t.FindById(IdC1)!;
        Assert.Equal(ClusterNodeRole.Replica, c1.Role);
        Assert.Equal(IdC, c1.PrimaryId);
        Assert.Empty(c1.Slots);
        Assert.Equal(ClusterNodeHealth.Loading, c1.Health);
        Assert.Equal(new[] { IdC1 }, t.GetReplicasOf(IdC).Select(n => n.Id));
        Assert.Empty(t.GetReplicasOf(IdC1));
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public void FailedHealthIsReported(int protocol)
    {
        var r = ReplyBuilder.For(protocol);
        ClusterTopology t = ClusterTopology.FromShards(ThreeByOne(r, replicaBHealth: "failed"), useTls: false, Queried);
        Assert.Equal(ClusterNodeHealth.Failed, t.FindById(IdB1)!.Health);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public void TlsPicksTheTlsPortAndTlsOnlyNodesHaveNoPlaintextPort(int protocol)
    {
        var r = ReplyBuilder.For(protocol);
        RespValue reply = r.Arr(r.Map("slots", r.Arr(0, 16383), "nodes", r.Arr(
            r.Map("id", IdA, "port", 7001, "tls-port", 8001, "ip", "10.0.0.1", "endpoint", "10.0.0.1", "role", "master", "replication-offset", 0, "health", "online"),
            r.Map("id", IdA1, "tls-port", 8004, "ip", "10.0.0.4", "endpoint", "10.0.0.4", "role", "replica", "replication-offset", 0, "health", "online"))));

        ClusterTopology tls = ClusterTopology.FromShards(reply, useTls: true, Queried);
        Assert.Equal(new RedisEndpoint("10.0.0.1", 8001), tls.FindById(IdA)!.Endpoint);
        Assert.Equal(7001, tls.FindById(IdA)!.Port);
        Assert.Equal(8001, tls.FindById(IdA)!.TlsPort);
        Assert.Equal(new RedisEndpoint("10.0.0.4", 8004), tls.FindById(IdA1)!.Endpoint);
        Assert.Equal(0, tls.FindById(IdA1)!.Port);

        ClusterTopology plain = ClusterTopology.FromShards(reply, useTls: false, Queried);
        Assert.Equal(new RedisEndpoint("10.0.0.1", 7001), plain.FindById(IdA)!.Endpoint);
        // A node with only a TLS port: its only port is still the best guess.
        Assert.Equal(new RedisEndpoint("10.0.0.4", 8004), plain.FindById(IdA1)!.Endpoint);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public void EndpointChoiceFollowsThePreferredEndpointType(int protocol)
    {
        var r = ReplyBuilder.For(protocol);
        RespValue reply = r.Arr(
            r.Map("slots", r.Arr(0, 99), "nodes", r.Arr(
                // cluster-preferred-endpoint-type hostname, hostname set
                r.Map("id", "h", "port", 7001, "ip", "10.0.0.1", "endpoint", "node1.example", "hostname", "node1.example", "role", "master", "health", "online"))),
            r.Map("slots", r.Arr(100, 199), "nodes", r.Arr(
                // hostname preferred but not set: "?"; the IP still works
                r.Map("id", "q", "port", 7002, "ip", "10.0.0.2", "endpoint", "?", "role", "master", "health", "online"))),
            r.Map("slots", r.Arr(200, 299), "nodes", r.Arr(
                // unknown-endpoint: dial the host the cluster was reached through
                r.Map("id", "e", "port", 7003, "ip", "10.0.0.3", "endpoint", "", "role", "master", "health", "online"))),
            r.Map("slots", r.Arr(300, 399), "nodes", r.Arr(
                // no endpoint field at all
                r.Map("id", "m", "port", 7004, "ip", "10.0.0.4", "role", "master"))),
            r.Map("slots", r.Arr(400, 499), "nodes", r.Arr(
                // nothing usable
                r.Map("id", "n", "port", 7005, "ip", "", "endpoint", "?", "role", "master"))),
            r.Map("slots", r.Arr(500, 599), "nodes", r.Arr(
                r.Map("id", "v6", "port", 7006, "ip", "::1", "endpoint", "::1", "role", "master"))));

        ClusterTopology t = ClusterTopology.FromShards(reply, useTls: false, Queried);
        Assert.Equal(new RedisEndpoint("node1.example", 7001), t.FindById("h")!.Endpoint);
        Assert.Equal("node1.example", t.FindById("h")!.Hostname);
        Assert.Equal("10.0.0.1", t.FindById("h")!.Ip);
        Assert.Equal(new RedisEndpoint("10.0.0.2", 7002), t.FindById("q")!.Endpoint);
        Assert.Equal(new RedisEndpoint("seed.example", 7003), t.FindById("e")!.Endpoint);
        Assert.Equal(new RedisEndpoint("10.0.0.4", 7004), t.FindById("m")!.Endpoint);
        Assert.Equal(new RedisEndpoint("seed.example", 7005), t.FindById("n")!.Endpoint);
        Assert.Equal(new RedisEndpoint("::1", 7006), t.FindById("v6")!.Endpoint);
        Assert.Equal("[::1]:7006", t.FindById("v6")!.Endpoint!.ToString());

        // Missing health and offset are not errors.
        Assert.Equal(ClusterNodeHealth.Unknown, t.FindById("m")!.Health);
        Assert.Equal(0, t.FindById("m")!.ReplicationOffset);
        Assert.Equal(600, t.CoveredSlotCount);
        Assert.False(t.CoversAllSlots);
        Assert.Null(t.GetPrimaryForSlot(600));
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public void ShardWithoutSlotsAndShardWithSeveralRanges(int protocol)
    {
        var r = ReplyBuilder.For(protocol);
        RespValue reply = r.Arr(
            r.Map("slots", r.Arr(0, 100, 102, 16383, 101, 101), "nodes", r.Arr(
                r.Map("id", "p", "port", 7001, "ip", "127.0.0.1", "endpoint", "127.0.0.1", "role", "master", "health", "online"))),
            r.Map("slots", r.Arr(), "nodes", r.Arr(
                r.Map("id", "empty", "port", 7002, "ip", "127.0.0.1", "endpoint", "127.0.0.1", "role", "master", "health", "online"))));

        ClusterTopology t = ClusterTopology.FromShards(reply, useTls: false, Queried);
        Assert.Equal(new[] { new SlotRange(0, 100), new SlotRange(102, 16383), new SlotRange(101, 101) }, t.FindById("p")!.Slots);
        Assert.Empty(t.FindById("empty")!.Slots);
        Assert.Equal(2, t.Primaries.Count);
        Assert.True(t.CoversAllSlots);
        Assert.Equal("p", t.GetPrimaryForSlot(101)!.Id);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public void ReplicasFollowTheHealthyPrimaryOfTheirShard(int protocol)
    {
        var r = ReplyBuilder.For(protocol);
        RespValue reply = r.Arr(r.Map("slots", r.Arr(0, 16383), "nodes", r.Arr(
            r.Map("id", "old", "port", 7001, "ip", "127.0.0.1", "endpoint", "127.0.0.1", "role", "master", "health", "failed"),
            r.Map("id", "new", "port", 7002, "ip", "127.0.0.1", "endpoint", "127.0.0.1", "role", "master", "health", "online"),
            r.Map("id", "rep", "port", 7003, "ip", "127.0.0.1", "endpoint", "127.0.0.1", "role", "replica", "health", "online"))));

        ClusterTopology t = ClusterTopology.FromShards(reply, useTls: false, Queried);
        Assert.Equal("new", t.FindById("rep")!.PrimaryId);
        Assert.Equal("new", t.GetPrimaryForSlot(0)!.Id);
    }

    [Fact]
    public void EmptyReplyIsAnEmptyTopology()
    {
        ClusterTopology t = ClusterTopology.FromShards(RespValue.Array(), useTls: false, Queried);
        Assert.Empty(t.Nodes);
        Assert.Equal(0, t.CoveredSlotCount);
    }

    [Fact]
    public void ErrorReplyAndMalformedRepliesFailClearly()
    {
        var error = Assert.Throws<RedisServerErrorException>(
            () => ClusterTopology.FromShards(RespValue.Error("ERR unknown subcommand 'SHARDS'."), useTls: false, Queried));
        Assert.Equal("CLUSTER SHARDS", error.Command);

        var r = ReplyBuilder.V3;
        Assert.Contains("expected an array", Assert.Throws<RedisException>(
            () => ClusterTopology.FromShards(RespValue.SimpleString("OK"), useTls: false, Queried)).Message);
        Assert.Contains("no \"nodes\"", Assert.Throws<RedisException>(
            () => ClusterTopology.FromShards(r.Arr(r.Map("slots", r.Arr(0, 1))), useTls: false, Queried)).Message);
        Assert.Contains("odd number", Assert.Throws<RedisException>(
            () => ClusterTopology.FromShards(r.Arr(r.Map("slots", r.Arr(0), "nodes", r.Arr())), useTls: false, Queried)).Message);
        Assert.Contains("0-16383", Assert.Throws<RedisException>(
            () => ClusterTopology.FromShards(r.Arr(r.Map("slots", r.Arr(0, 16384), "nodes", r.Arr())), useTls: false, Queried)).Message);
        Assert.Contains("no \"id\"", Assert.Throws<RedisException>(
            () => ClusterTopology.FromShards(r.Arr(r.Map("slots", r.Arr(), "nodes", r.Arr(r.Map("port", 1)))), useTls: false, Queried)).Message);
        Assert.Contains("not a number", Assert.Throws<RedisException>(
            () => ClusterTopology.FromShards(r.Arr(r.Map("slots", r.Arr(), "nodes", r.Arr(r.Map("id", "x", "port", "abc")))), useTls: false, Queried)).Message);
    }
}
