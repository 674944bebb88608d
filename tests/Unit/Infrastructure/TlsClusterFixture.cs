namespace RedisCluster.Tests.Infrastructure;

/// <summary>
/// A TLS-only 3 masters x 1 replica cluster (no plaintext ports; bus and replication over TLS) with
/// ACL user <see cref="AclUser"/>; the default user has no password. Shared by the collection "tls-cluster".
/// </summary>
public sealed class TlsClusterFixture : IDisposable
{
    public const string AclUser = StandaloneFixture.AclUser;
    public const string AclPassword = StandaloneFixture.AclPassword;

    public TlsClusterFixture()
    {
        Certificates = TestCertificates.Shared;
        Cluster = RedisClusterProcesses.Start(masters: 3, replicasPerMaster: 1, tls: true, aclUsers: new[] { (AclUser, AclPassword) });
    }

    public TestCertificates Certificates { get; }

    public RedisClusterProcesses Cluster { get; }

    public void Dispose() => Cluster.Dispose();
}
