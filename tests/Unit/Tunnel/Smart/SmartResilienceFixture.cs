using RedisCluster.Tests.Infrastructure;

namespace RedisCluster.Tests.Tunnel.Smart;

/// <summary>
/// A plaintext 3x1 cluster owned by the smart-mode resilience tests alone: they move a slot and kill a
/// primary, which no other test may see.
/// </summary>
public sealed class SmartResilienceFixture : IDisposable
{
    public SmartResilienceFixture()
    {
        Cluster = RedisClusterProcesses.Start(masters: 3, replicasPerMaster: 1, tls: false);
    }

    public RedisClusterProcesses Cluster { get; }

    public void Dispose() => Cluster.Dispose();
}
