using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;
using Xunit;

namespace RedisCluster.Tests.ClusterMetadata;

public sealed class NodesParsingTests
{
    private static readonly RedisEndpoint Queried = new("seed.example", 7000);

    // Recorded from 7.0.15 (3x1, plaintext), with one hostname added as cluster-announce-hostname shows it.
    private const string Recorded =
        "b5430db1a9aaf86f4d2aa0d7a9cf33763b3b879d 127.0.0.1:17004@27004 slave db8dfaf5ee86d1928efdb7a466304cfdfb3df949 0 1795520345507 1 connected\n" +
        "46afb1a1898aef85efb0e402442249ec7276272f 127.0.0.1:17006@27006 slave 632aba447569d410679f2008fd788da1a4d922b7 0 1795520344603 3 connected\n" +
        "db8dfaf5ee86d1928efdb7a466304cfdfb3df949 127.0.0.1:17001@27001 myself,master - 0 1795520344000 1 connected 0-5460\n" +
        "2a592d93f33eb5003560f05940ae91bc75ea0910 127.0.0.1:17005@27005 slave 94797228a09329658074188cf26b59d5d5d477be 0 1795520345000 2 connected\n" +
        "94797228a09329658074188cf26b59d5d5d477be 127.0.0.1:17002@27002,node2.example master - 0 1795520345708 2 connected 5461-10922\n" +
        "632aba447569d410679f2008fd788da1a4d922b7 127.0.0.1:17003@27003 master - 0 1795520345608 3 connected 10923-16383\n";

    [Fact]
    public void RecordedReplyGivesThreePrimariesThreeReplicasAndEverySlot()
    {
        ClusterTopology t = ClusterTopology.FromNodes(Recorded, useTls: false, Queried);
        Assert.Equal(3, t.Primaries.Count);
        Assert.Equal(3, t.Replicas.Count);
        Assert.True(t.CoversAllSlots);

        ClusterNode myself = t.Nodes.Single(n => n.IsMyself);
        Assert.Equal("db8dfaf5ee86d1928efdb7a466304cfdfb3df949", myself.Id);
        Assert.Equal(new[] { "myself", "master" }, myself.Flags);
        Assert.True(myself.HasFlag("MASTER"));
        Assert.Equal(new RedisEndpoint("127.0.0.1", 17001), myself.Endpoint);
        Assert.Equal(17001, myself.Port);
        Assert.Null(myself.TlsPort);
        Assert.Equal(ClusterNodeHealth.Online, myself.Health);
        Assert.Same(myself, t.GetPrimaryForSlot(0));

        ClusterNode b = t.FindById("94797228a09329658074188cf26b59d5d5d477be")!;
        Assert.Equal("node2.example", b.Hostname);
        Assert.Equal("127.0.0.1", b.Ip);
        Assert.Equal(new RedisEndpoint("127.0.0.1", 17002), b.Endpoint);
        Assert.Equal(new[] { "2a592d93f33eb5003560f05940ae91bc75ea0910" }, t.GetReplicasOf(b.Id).Select(n => n.Id));

        ClusterNode replica = t.FindById("b5430db1a9aaf86f4d2aa0d7a9cf33763b3b879d")!;
        Assert.Equal(ClusterNodeRole.Replica, replica.Role);
        Assert.Equal("db8dfaf5ee86d1928efdb7a466304cfdfb3df949", replica.PrimaryId);
    }

    [Fact]
    public void OverTlsThePortIsTheTlsPort()
    {
        ClusterTopology t = ClusterTopology.FromNodes(Recorded, useTls: true, Queried);
        ClusterNode myself = t.Nodes.Single(n => n.IsMyself);
        Assert.Equal(17001, myself.TlsPort);
        Assert.Equal(0, myself.Port);
        Assert.Equal(new RedisEndpoint("127.0.0.1", 17001), myself.Endpoint);
    }

    [Fact]
    public void MigrationMarkersSingleSlotsAndSeveralRanges()
    {
        const string text =
            "aaaa 10.0.0.1:7001@17001 myself,master - 0 0 1 connected 0-100 102 [103->-bbbb] 104-8191\r\n" +
            "bbbb 10.0.0.2:7002@17002 master - 0 0 2 connected 101 103 8192-16383 [104-<-aaaa]\r\n";
        ClusterTopology t = ClusterTopology.FromNodes(text, useTls: false, Queried);
        Assert.Equal(new[] { new SlotRange(0, 100), new SlotRange(102, 102), new SlotRange(104, 8191) }, t.FindById("aaaa")!.Slots);
        Assert.Equal(new[] { new SlotRange(101, 101), new SlotRange(103, 103), new SlotRange(8192, 16383) }, t.FindById("bbbb")!.Slots);
        Assert.True(t.CoversAllSlots);
        Assert.Equal("bbbb", t.GetPrimaryForSlot(103)!.Id);
        Assert.Equal("aaaa", t.GetPrimaryForSlot(104)!.Id);
        Assert.Equal("102", new SlotRange(102, 102).ToString());
        Assert.Equal("0-100", new SlotRange(0, 100).ToString());
    }

    [Fact]
    public void FailureFlagsNoAddressHandshakeIpv6AndMissingOwnIp()
    {
        const string text =
            "m1 :7000@17000 myself,master - 0 0 1 connected 0-5460\n" +
            "m2 ::1:7001@17001 master - 0 0 2 connected 5461-10922\n" +
            "m3 10.0.0.3:7002@17002 master,fail? - 0 0 3 connected 10923-16383\n" +
            "r1 10.0.0.4:7003@17003 slave,fail m1 0 0 1 disconnected\n" +
            "r2 :0@0 slave,noaddr m2 0 0 2 disconnected\n" +
            "hs 10.0.0.9:7009@17009 handshake - 0 0 0 connected\n" +
            "r3 10.0.0.5:7005 slave,nofailover m3 0 0 3 connected\n";
        ClusterTopology t = ClusterTopology.FromNodes(text, useTls: false, Queried);

        Assert.Null(t.FindById("hs"));
        Assert.Equal(6, t.Nodes.Count);
        Assert.True(t.CoversAllSlots);

        // A node that has not learned its own IP yet shows ":port": it is the node we asked.
        Assert.Equal(new RedisEndpoint("seed.example", 7000), t.FindById("m1")!.Endpoint);
        Assert.Equal(string.Empty, t.FindById("m1")!.Ip);

        Assert.Equal(new RedisEndpoint("::1", 7001), t.FindById("m2")!.Endpoint);
        Assert.Equal("::1", t.FindById("m2")!.Ip);

        Assert.Equal(ClusterNodeHealth.Unknown, t.FindById("m3")!.Health);
        Assert.Equal(ClusterNodeHealth.Failed, t.FindById("r1")!.Health);

        ClusterNode noaddr = t.FindById("r2")!;
        Assert.Null(noaddr.Endpoint);
        Assert.Equal(0, noaddr.Port);
        Assert.Equal(ClusterNodeHealth.Unknown, noaddr.Health);
        Assert.Equal("m2", noaddr.PrimaryId);

        // Servers before 4.0 write no "@cport".
        Assert.Equal(new RedisEndpoint("10.0.0.5", 7005), t.FindById("r3")!.Endpoint);
        Assert.True(t.FindById("r3")!.HasFlag("nofailover"));
    }

    [Fact]
    public void AuxiliaryFieldsAfterTheHostnameAreRead()
    {
        const string text =
            "a 10.0.0.1:7001@17001,node1.example,shard-id=abcdef,tls-port=8001 myself,master - 0 0 1 connected 0-16383\n" +
            "b 10.0.0.2:7002@17002,,shard-id=abcdef slave a 0 0 1 connected\n";
        ClusterTopology t = ClusterTopology.FromNodes(text, useTls: false, Queried);
        Assert.Equal("node1.example", t.FindById("a")!.Hostname);
        Assert.Equal(8001, t.FindById("a")!.TlsPort);
        Assert.Equal(7001, t.FindById("a")!.Port);
        Assert.Null(t.FindById("b")!.Hostname);
    }

    [Fact]
    public void MalformedLinesFailClearly()
    {
        Assert.Contains("fewer than 8 fields", Assert.Throws<RedisException>(() => ClusterTopology.FromNodes("a b c", false, Queried)).Message);
        Assert.Contains("without a port", Assert.Throws<RedisException>(
            () => ClusterTopology.FromNodes("a host master - 0 0 1 connected", false, Queried)).Message);
        Assert.Contains("bad slot range", Assert.Throws<RedisException>(
            () => ClusterTopology.FromNodes("a 1.2.3.4:1@2 master - 0 0 1 connected 5-1", false, Queried)).Message);
        Assert.Empty(ClusterTopology.FromNodes("\n\r\n", false, Queried).Nodes);
    }
}
