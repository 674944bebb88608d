namespace RedisCluster.Tests.Infrastructure;

/// <summary>
/// A 3x1 cluster for one test class alone, for tests that change the topology (migrations,
/// failovers) and must not disturb the shared clusters.
/// </summary>
public sealed class DedicatedClusterFixture : IDisposable
{
    public DedicatedClusterFixture()
    {
        Cluster = RedisClusterProcesses.Start();
    }

    public RedisClusterProcesses Cluster { get; }

    public void Dispose() => Cluster.Dispose();
}
