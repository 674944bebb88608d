namespace RedisCluster.Tests.Infrastructure;

/// <summary>A plaintext 3 masters x 1 replica cluster shared by the test collection "cluster".</summary>
public sealed class ClusterFixture : IDisposable
{
    public ClusterFixture() => Cluster = RedisClusterProcesses.Start(masters: 3, replicasPerMaster: 1, tls: false);

    public RedisClusterProcesses Cluster { get; }

    public void Dispose() => Cluster.Dispose();
}
