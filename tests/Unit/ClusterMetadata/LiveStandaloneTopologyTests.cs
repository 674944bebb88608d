using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.ClusterMetadata;

[Collection(StandaloneCollection.Name)]
public sealed class LiveStandaloneTopologyTests
{
    private readonly StandaloneFixture _fixture;

    public LiveStandaloneTopologyTests(StandaloneFixture fixture) => _fixture = fixture;

    [Theory]
    [MemberData(nameof(ReplyBuilder.Both), MemberType = typeof(ReplyBuilder))]
    public async Task AServerWithoutClusterModeIsNamedAsSuch(int protocol)
    {
        using RedisConnection connection = await LiveConnections.OpenAsync(_fixture.Server.Port, protocol, tls: false);
        var error = await Assert.ThrowsAsync<RedisException>(() => ClusterTopologyLoader.LoadAsync(connection, CancellationToken.None));
        Assert.Contains("not in cluster mode", error.Message);
        Assert.Contains("cluster support disabled", error.Message);
        Assert.Contains(connection.Endpoint.ToString(), error.Message);
    }
}
