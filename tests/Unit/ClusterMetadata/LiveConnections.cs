using RedisCluster.Engine.Connections;
using RedisCluster.Tests.Infrastructure;

namespace RedisCluster.Tests.ClusterMetadata;

/// <summary>Engine connections to the shared test servers, in a chosen protocol.</summary>
internal static class LiveConnections
{
    public static Task<RedisConnection> OpenAsync(int port, int protocol, bool tls)
    {
        var options = new ConnectionOptions
        {
            Protocol = protocol == 3 ? RedisProtocol.Resp3 : RedisProtocol.Resp2,
            UseTls = tls,
            CaCertificatePath = tls ? TestCertificates.Shared.CaCertPath : null,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            CommandTimeout = TimeSpan.FromSeconds(5),
        };
        return RedisConnection.ConnectAsync(new RedisEndpoint("127.0.0.1", port), new TransportConnector(options));
    }
}
