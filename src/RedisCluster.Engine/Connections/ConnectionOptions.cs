using System;
using System.Net;
using System.Security;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Connections
{
    /// <summary>
    /// Everything needed to open an authenticated connection. Every connection a client opens
    /// (seed, pooled, or to a node learned from a redirect) uses the same options.
    /// </summary>
    public sealed class ConnectionOptions
    {
        /// <summary>User and password for AUTH / HELLO AUTH. An empty user name means the default user.</summary>
        public NetworkCredential? Credential { get; set; }

        public bool UseTls { get; set; }

        /// <summary>PEM (or DER) file with the CA certificates that sign the server's certificate.</summary>
        public string? CaCertificatePath { get; set; }

        /// <summary>Client certificate: a PEM certificate (with <see cref="ClientKeyPath"/>) or a PFX/PKCS#12 file.</summary>
        public string? ClientCertificatePath { get; set; }

        public string? ClientKeyPath { get; set; }

        /// <summary>Password of a PFX client certificate or an encrypted PEM key.</summary>
        public SecureString? ClientCertificatePassword { get; set; }

        /// <summary>Accept any server certificate. Never the default.</summary>
        public bool SkipCertificateCheck { get; set; }

        /// <summary>Name to verify the server certificate against (and to send as SNI) instead of the host.</summary>
        public string? TlsServerName { get; set; }

        public int Database { get; set; }

        public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

        /// <summary>How long a reply may take before the connection is declared hung. Zero disables it.</summary>
        public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(30);

        public string? ClientName { get; set; } = "RedisCluster-PowerShell";

        public RedisProtocol Protocol { get; set; } = RedisProtocol.Auto;

        public RespLimits Limits { get; set; } = RespLimits.Default;

        /// <summary>Send READONLY after the handshake, so a cluster replica serves reads for its primary's slots.</summary>
        public bool ReadOnlyReplica { get; set; }

        public ConnectionOptions Clone() => (ConnectionOptions)MemberwiseClone();

        /// <summary>
        /// The warning to give once per connection object whose server certificate is not checked, naming
        /// <paramref name="target"/>; null when certificates are checked (or there is no TLS).
        /// </summary>
        public string? CertificateCheckWarning(string target)
            => UseTls && SkipCertificateCheck
                ? "Certificate verification is disabled for " + target + " (-SkipCertificateCheck): the connection is encrypted "
                    + "but the server is not authenticated, so anyone who can intercept it can read and change the traffic, and see the credential."
                : null;

        /// <summary>The user name to show in messages (never the password).</summary>
        public string DisplayUser => Credential == null ? "(none)" : string.IsNullOrEmpty(Credential.UserName) ? "default" : Credential.UserName;
    }
}
