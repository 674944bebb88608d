using System.Diagnostics;

namespace RedisCluster.Tests.Infrastructure;

/// <summary>
/// One standalone server per test collection "standalone": a plaintext port and a TLS port
/// (tls-auth-clients optional), ACL user <see cref="AclUser"/>, default user without password.
/// <see cref="TlsRequiredClientCert"/> is a second server (tls-auth-clients yes) started on first use.
/// </summary>
public sealed class StandaloneFixture : IDisposable
{
    public const string AclUser = "alice";
    public const string AclPassword = "alice-S3cret!";

    private readonly Lazy<RedisServer> _tlsRequiredClientCert;

    public StandaloneFixture()
    {
        var sw = Stopwatch.StartNew();
        Certificates = TestCertificates.Shared;
        CertificatesTime = sw.Elapsed;
        Server = RedisServer.Start(new RedisServerOptions
        {
            Name = "standalone",
            Port = 0,
            TlsPort = 0,
            TlsAuthClients = "optional",
            AclUsers = new[] { (AclUser, AclPassword) },
        });
        StartupTime = sw.Elapsed;
        _tlsRequiredClientCert = new Lazy<RedisServer>(
            () => RedisServer.Start(new RedisServerOptions
            {
                Name = "standalone-mtls",
                Port = 0, // plaintext port for administration only
                TlsPort = 0,
                TlsAuthClients = "yes",
                AclUsers = new[] { (AclUser, AclPassword) },
            }),
            LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public TestCertificates Certificates { get; }

    /// <summary>Plaintext + TLS (client certificate optional).</summary>
    public RedisServer Server { get; }

    /// <summary>A server with tls-auth-clients yes (TLS port, plus a plaintext port for administration); started lazily.</summary>
    public RedisServer TlsRequiredClientCert => _tlsRequiredClientCert.Value;

    /// <summary>Time the fixture took to start (including certificate generation if this was the first use).</summary>
    public TimeSpan StartupTime { get; }

    /// <summary>The part of <see cref="StartupTime"/> spent getting <see cref="TestCertificates.Shared"/>.</summary>
    public TimeSpan CertificatesTime { get; }

    public void Dispose()
    {
        if (_tlsRequiredClientCert.IsValueCreated)
        {
            _tlsRequiredClientCert.Value.Dispose();
        }
        Server.Dispose();
    }
}
