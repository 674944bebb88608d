using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using System.Security;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Connections
{
    /// <summary>
    /// Everything needed to open an authenticated connection. Every connection a client opens
    /// (seed, pooled, or to a node learned from a redirect) uses the same options.
    /// </summary>
    /// <remarks>
    /// The secrets (the password and a client certificate's password) are write-only from outside the
    /// engine: these options are reachable from every connection and tunnel object, and a shell shows,
    /// serializes and exports whatever a public property returns.
    /// </remarks>
    public sealed class ConnectionOptions
    {
        /// <summary>User and password for AUTH / HELLO AUTH. An empty user name means the default user.</summary>
        internal NetworkCredential? Credential { get; set; }

        /// <summary>Password of a PFX client certificate or an encrypted PEM key.</summary>
        internal SecureString? ClientCertificatePassword { get; set; }

        /// <summary>The user to authenticate as: "(none)" without credentials, "default" for the default user (never the password).</summary>
        public string User => Credential == null ? "(none)" : string.IsNullOrEmpty(Credential.UserName) ? "default" : Credential.UserName;

        /// <summary>Whether connections authenticate with a password.</summary>
        public bool HasPassword => Credential != null;

        /// <summary>Whether a client certificate password was given.</summary>
        public bool HasClientCertificatePassword => ClientCertificatePassword != null;

        public bool UseTls { get; set; }

        /// <summary>PEM (or DER) file with the CA certificates that sign the server's certificate.</summary>
        public string? CaCertificatePath { get; set; }

        /// <summary>Client certificate: a PEM certificate (with <see cref="ClientKeyPath"/>) or a PFX/PKCS#12 file.</summary>
        public string? ClientCertificatePath { get; set; }

        public string? ClientKeyPath { get; set; }

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

        /// <summary>Authenticate as <paramref name="userName"/> (empty: the default user) with <paramref name="password"/>.</summary>
        public void SetCredential(string userName, SecureString password)
        {
            if (password == null)
            {
                throw new ArgumentNullException(nameof(password));
            }

            Credential = new NetworkCredential(userName ?? string.Empty, password);
        }

        /// <summary>The password of a PFX client certificate or an encrypted PEM key; null for none.</summary>
        public void SetClientCertificatePassword(SecureString? password) => ClientCertificatePassword = password;

        public ConnectionOptions Clone() => (ConnectionOptions)MemberwiseClone();

        /// <summary>A one-line summary: "user alice (password), TLS (CA ca.pem), database 0, RESP auto".</summary>
        public override string ToString()
        {
            var parts = new List<string> { "user " + User + (HasPassword ? " (password)" : string.Empty) };
            if (UseTls)
            {
                var tls = new List<string>();
                if (SkipCertificateCheck)
                {
                    tls.Add("no certificate check");
                }
                else if (CaCertificatePath != null)
                {
                    tls.Add("CA " + System.IO.Path.GetFileName(CaCertificatePath));
                }

                if (ClientCertificatePath != null)
                {
                    tls.Add("client certificate " + System.IO.Path.GetFileName(ClientCertificatePath));
                }

                if (TlsServerName != null)
                {
                    tls.Add("name " + TlsServerName);
                }

                parts.Add("TLS" + (tls.Count > 0 ? " (" + string.Join(", ", tls) + ")" : string.Empty));
            }
            else
            {
                parts.Add("no TLS");
            }

            parts.Add("database " + Database.ToString(CultureInfo.InvariantCulture));
            parts.Add(Protocol == RedisProtocol.Auto ? "RESP auto" : Protocol.ToString().ToUpperInvariant());
            if (ReadOnlyReplica)
            {
                parts.Add("read-only replica");
            }

            return string.Join(", ", parts);
        }

        /// <summary>
        /// The warning to give once per connection object whose server certificate is not checked, naming
        /// <paramref name="target"/>; null when certificates are checked (or there is no TLS).
        /// </summary>
        public string? CertificateCheckWarning(string target)
            => UseTls && SkipCertificateCheck
                ? "Certificate verification is disabled for " + target + " (-SkipCertificateCheck): the connection is encrypted "
                    + "but the server is not authenticated, so anyone who can intercept it can read and change the traffic, and see the credential."
                : null;
    }
}
