using RedisCluster.Tests.Infrastructure;

namespace RedisCluster.Tests.Tunnel.Pinned;

/// <summary>
/// A TLS-only 3x1 cluster with the ACL user, owned by the pinned-mode tests alone: they move slots and
/// fail nodes over, which shared fixtures must not see.
/// </summary>
public sealed class PinnedClusterFixture : IDisposable
{
    public PinnedClusterFixture()
    {
        Cluster = RedisClusterProcesses.Start(masters: 3, replicasPerMaster: 1, tls: true,
            aclUsers: new[] { (StandaloneFixture.AclUser, StandaloneFixture.AclPassword) });
    }

    public RedisClusterProcesses Cluster { get; }

    public void Dispose() => Cluster.Dispose();
}
