using RedisCluster.Tests.Infrastructure;

namespace RedisCluster.Tests.Tunnel.Smart;

/// <summary>
/// A TLS 3-primary cluster with the ACL user, owned by the smart-mode tests alone: they FLUSHALL and count
/// the whole keyspace, which shared fixtures must not see. No replicas, so it starts quickly.
/// </summary>
public sealed class SmartClusterFixture : IDisposable
{
    public SmartClusterFixture()
    {
        Cluster = RedisClusterProcesses.Start(masters: 3, replicasPerMaster: 0, tls: true,
            aclUsers: new[] { (StandaloneFixture.AclUser, StandaloneFixture.AclPassword) });
    }

    public RedisClusterProcesses Cluster { get; }

    public void Dispose() => Cluster.Dispose();
}
