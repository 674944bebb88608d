using RedisCluster.Engine;
using RedisCluster.Engine.Client;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Tests.Infrastructure;

namespace RedisCluster.Tests.KeyCopy;

/// <summary>
/// The copy tests' own servers (every test empties them first): a standalone source, a standalone destination
/// and a 3x1 cluster, which is a destination in some tests and a source in others.
/// </summary>
public sealed class KeyCopyFixture : IDisposable
{
    public KeyCopyFixture()
    {
        Source = RedisServer.Start(new RedisServerOptions { Name = "copy-source" });
        Target = RedisServer.Start(new RedisServerOptions { Name = "copy-target" });
        Cluster = RedisClusterProcesses.Start();
    }

    public RedisServer Source { get; }

    public RedisServer Target { get; }

    public RedisClusterProcesses Cluster { get; }

    public static Task<RedisClient> OpenAsync(int port, string host = "127.0.0.1", int database = 0)
        => RedisClientFactory.ConnectAsync(new[] { new RedisEndpoint(host, port) }, new RedisClientOptions(new ConnectionOptions { Database = database }));

    public Task<RedisClient> OpenClusterAsync(int nodeIndex = 0) => OpenAsync(Cluster.Masters()[nodeIndex].Port);

    /// <summary>Empties both standalone servers and every primary of the cluster.</summary>
    public async Task FlushAllAsync()
    {
        Source.Execute("FLUSHALL");
        Target.Execute("FLUSHALL");
        using RedisClient cluster = await OpenClusterAsync();
        foreach (RedisEndpoint primary in cluster.GetPrimaryEndpoints())
        {
            await cluster.ExecuteOnNodeAsync(primary, new[] { RedisCommand.Create("FLUSHALL") });
        }
    }

    public void Dispose()
    {
        Source.Dispose();
        Target.Dispose();
        Cluster.Dispose();
    }
}
