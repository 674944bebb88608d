using RedisCluster.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace RedisCluster.Tests.ClusterMetadata;

[Collection(ClusterCollection.Name)]
public sealed class LiveClusterTopologyTests
{
    private readonly ClusterFixture _fixture;
    private readonly ITestOutputHelper _output;

    public LiveClusterTopologyTests(ClusterFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
    }

    public static IEnumerable<object[]> Protocols => ReplyBuilder.Both;

    [Theory]
    [MemberData(nameof(Protocols))]
    public Task ShardsSlotsAndNodesAgree(int protocol) => LiveTopology.AllThreeRepliesAgree(_fixture.Cluster, protocol, _output);

    [Theory]
    [MemberData(nameof(Protocols))]
    public Task MovedPointsAtTheOwner(int protocol) => LiveTopology.MovedPointsAtTheTopologyOwner(_fixture.Cluster, protocol);
}
