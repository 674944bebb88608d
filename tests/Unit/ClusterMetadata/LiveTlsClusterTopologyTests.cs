using RedisCluster.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace RedisCluster.Tests.ClusterMetadata;

/// <summary>On a TLS-only cluster every topology reply, read over TLS, names the TLS ports.</summary>
[Collection(TlsClusterCollection.Name)]
public sealed class LiveTlsClusterTopologyTests
{
    private readonly TlsClusterFixture _fixture;
    private readonly ITestOutputHelper _output;

    public LiveTlsClusterTopologyTests(TlsClusterFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
    }

    public static IEnumerable<object[]> Protocols => ReplyBuilder.Both;

    [Theory]
    [MemberData(nameof(Protocols))]
    public Task ShardsSlotsAndNodesAgreeOnTlsPorts(int protocol) => LiveTopology.AllThreeRepliesAgree(_fixture.Cluster, protocol, _output);

    [Theory]
    [MemberData(nameof(Protocols))]
    public Task MovedNamesTheTlsPort(int protocol) => LiveTopology.MovedPointsAtTheTopologyOwner(_fixture.Cluster, protocol);
}
