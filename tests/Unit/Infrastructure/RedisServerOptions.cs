namespace RedisCluster.Tests.Infrastructure;

/// <summary>How to start one redis-server. A record, so variants are cheap: <c>options with { Cluster = true }</c>.</summary>
public sealed record RedisServerOptions
{
    /// <summary>Plaintext port: 0 = pick a free loopback port, null = no plaintext port (<c>port 0</c>; TLS only).</summary>
    public int? Port { get; init; } = 0;

    /// <summary>TLS port: null = no TLS, 0 = pick a free loopback port. Uses <see cref="TestCertificates.Shared"/>.</summary>
    public int? TlsPort { get; init; }

    /// <summary><c>tls-auth-clients</c>: "no", "optional" or "yes".</summary>
    public string TlsAuthClients { get; init; } = "optional";

    /// <summary><c>cluster-enabled yes</c> (with nodes.conf in the server's directory).</summary>
    public bool Cluster { get; init; }

    /// <summary><c>cluster-node-timeout</c> in milliseconds when <see cref="Cluster"/> is on.</summary>
    public int ClusterNodeTimeoutMs { get; init; } = 3000;

    /// <summary>
    /// <c>tls-cluster</c> (cluster bus over TLS). Null = automatic: on when the node is a cluster node with
    /// a TLS port and no plaintext port.
    /// </summary>
    public bool? TlsCluster { get; init; }

    /// <summary><c>tls-replication</c>. Null = automatic: on when the server has a TLS port and no plaintext port.</summary>
    public bool? TlsReplication { get; init; }

    /// <summary>ACL users created with full permissions: <c>user NAME on &gt;PASS ~* &amp;* +@all</c>.</summary>
    public IReadOnlyList<(string User, string Password)> AclUsers { get; init; } = Array.Empty<(string, string)>();

    /// <summary>Password for the default user (<c>requirepass</c>, also used as <c>masterauth</c>); null = nopass.</summary>
    public string? RequirePassForDefault { get; init; }

    /// <summary>Extra config lines, each "directive value ...", appended verbatim.</summary>
    public IReadOnlyList<string> ExtraConfig { get; init; } = Array.Empty<string>();

    /// <summary>How long to wait for the server to answer PING.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>A label used in the temp directory name and in error messages.</summary>
    public string Name { get; init; } = "redis";

    internal bool EffectiveTlsCluster => TlsCluster ?? (Cluster && TlsPort is not null && Port is null);

    internal bool EffectiveTlsReplication => TlsReplication ?? (TlsPort is not null && Port is null);
}
