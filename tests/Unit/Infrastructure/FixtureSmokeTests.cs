using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Xunit;
using Xunit.Abstractions;

namespace RedisCluster.Tests.Infrastructure;

/// <summary>Fast checks that the real-Redis fixtures come up as advertised (one nested class per collection).</summary>
public static class FixtureSmokeTests
{
    [Collection(StandaloneCollection.Name)]
    public sealed class Standalone
    {
        private readonly StandaloneFixture _fixture;

        public Standalone(StandaloneFixture fixture, ITestOutputHelper output)
        {
            _fixture = fixture;
            output.WriteLine($"standalone fixture started in {fixture.StartupTime.TotalSeconds:0.000} s " +
                             $"(certificates {fixture.CertificatesTime.TotalSeconds:0.000} s, " +
                             $"generated in {fixture.Certificates.GenerationTime.TotalSeconds:0.000} s); {fixture.Server}");
        }

        [Fact]
        public void PingOverPlaintext() => Assert.Equal("PONG", _fixture.Server.Cli("PING"));

        [Fact]
        public void PingOverTls() => Assert.Equal("PONG", _fixture.Server.CliTls("PING"));

        [Fact]
        public void AclUserCanAuthenticate()
        {
            Assert.Equal(StandaloneFixture.AclUser,
                _fixture.Server.Cli("--user", StandaloneFixture.AclUser, "--pass", StandaloneFixture.AclPassword, "ACL", "WHOAMI"));
            Assert.Equal(StandaloneFixture.AclUser,
                _fixture.Server.CliTls("--user", StandaloneFixture.AclUser, "--pass", StandaloneFixture.AclPassword, "ACL", "WHOAMI"));
            Assert.Contains("WRONGPASS", _fixture.Server.Cli("AUTH", StandaloneFixture.AclUser, "wrong"));
        }

        [Fact]
        public void DotNetTrustsTheTestCaAndNotTheOtherCa()
        {
            TestCertificates certs = _fixture.Certificates;
            Assert.True(TlsHandshake(_fixture.Server.TlsPort!.Value, certs.CaCertPath));
            Assert.False(TlsHandshake(_fixture.Server.TlsPort!.Value, certs.OtherCaCertPath));

            using X509Certificate2 server = X509CertificateLoader.LoadCertificateFromFile(certs.ServerCertPath);
            var eku = server.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single();
            Assert.Contains(eku.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>(), o => o.Value == "1.3.6.1.5.5.7.3.1");
            Assert.Contains(eku.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>(), o => o.Value == "1.3.6.1.5.5.7.3.2");

            using X509Certificate2 pfx = X509CertificateLoader.LoadPkcs12FromFile(certs.ClientPfxPath, certs.ClientPfxPassword);
            Assert.True(pfx.HasPrivateKey);
            using X509Certificate2 pem = X509Certificate2.CreateFromPemFile(certs.ClientCertPath, certs.ClientKeyPath);
            Assert.Equal(pem.Thumbprint, pfx.Thumbprint);
        }

        [Fact]
        public void TlsRequiredClientCertRejectsClientsWithoutCertificate()
        {
            RedisServer server = _fixture.TlsRequiredClientCert;
            Assert.Equal("PONG", server.CliTls("PING"));
            Assert.Equal("PONG", server.Cli("PING"));
            var noCert = RedisCliRunner.Run(
                new[] { "-h", server.Host, "-p", server.TlsPort!.Value.ToString(), "--tls", "--cacert", _fixture.Certificates.CaCertPath, "PING" },
                TimeSpan.FromSeconds(10));
            Assert.NotEqual("PONG", noCert.Stdout.Trim());
        }

        private static bool TlsHandshake(int port, string caPath)
        {
            using var ca = X509CertificateLoader.LoadCertificateFromFile(caPath);
            using var tcp = new TcpClient("127.0.0.1", port);
            using var ssl = new SslStream(tcp.GetStream());
            var chainPolicy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            chainPolicy.CustomTrustStore.Add(ca);
            try
            {
                ssl.AuthenticateAsClient(new SslClientAuthenticationOptions
                {
                    TargetHost = "localhost",
                    CertificateChainPolicy = chainPolicy,
                });
                return true;
            }
            catch (System.Security.Authentication.AuthenticationException)
            {
                return false;
            }
        }
    }

    [Collection(ClusterCollection.Name)]
    public sealed class Cluster
    {
        private readonly ClusterFixture _fixture;

        public Cluster(ClusterFixture fixture, ITestOutputHelper output)
        {
            _fixture = fixture;
            output.WriteLine($"cluster fixture: {fixture.Cluster.StartupBreakdown}; {fixture.Cluster}");
        }

        [Fact]
        public void HasThreeMastersAndThreeReplicasAndIsOk() => AssertHealthy3x1(_fixture.Cluster, tls: false);
    }

    [Collection(TlsClusterCollection.Name)]
    public sealed class TlsCluster
    {
        private readonly TlsClusterFixture _fixture;

        public TlsCluster(TlsClusterFixture fixture, ITestOutputHelper output)
        {
            _fixture = fixture;
            output.WriteLine($"tls-cluster fixture: {fixture.Cluster.StartupBreakdown}; {fixture.Cluster}");
        }

        [Fact]
        public void HasThreeMastersAndThreeReplicasAndIsOk() => AssertHealthy3x1(_fixture.Cluster, tls: true);

        [Fact]
        public void AclUserCanAuthenticateOverTls()
        {
            RedisServer seed = _fixture.Cluster.NodeForPort(_fixture.Cluster.SeedPort);
            Assert.Equal(TlsClusterFixture.AclUser,
                seed.Cli("--user", TlsClusterFixture.AclUser, "--pass", TlsClusterFixture.AclPassword, "ACL", "WHOAMI"));
        }
    }

    private static void AssertHealthy3x1(RedisClusterProcesses cluster, bool tls)
    {
        Assert.Equal(tls, cluster.IsTls);
        Assert.Equal(6, cluster.Nodes.Count);
        Assert.Equal(3, cluster.Masters().Count);
        Assert.Equal(3, cluster.Replicas().Count);
        Assert.Equal(cluster.Nodes[0].ClientPort, cluster.SeedPort);
        Assert.Equal(tls ? cluster.Nodes[0].TlsPort : cluster.Nodes[0].Port, cluster.SeedPort);
        foreach (RedisServer node in cluster.Nodes)
        {
            Assert.Equal(tls, node.Port == 0);
            Assert.Contains("cluster_state:ok", node.Cli("CLUSTER", "INFO"));
            Assert.Same(node, cluster.NodeForPort(node.ClientPort));
        }
        // Topology replies name the client ports (TLS ports on a TLS cluster).
        string slots = cluster.NodeForPort(cluster.SeedPort).Cli("CLUSTER", "SHARDS");
        foreach (RedisServer node in cluster.Nodes)
        {
            Assert.Contains(node.ClientPort.ToString(), slots);
        }
        cluster.WaitHealthy(TimeSpan.FromSeconds(5));
    }
}
