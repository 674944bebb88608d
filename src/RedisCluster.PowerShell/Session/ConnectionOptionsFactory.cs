using System;
using System.Management.Automation;
using System.Net;
using System.Security;
using RedisCluster.Engine.Connections;

namespace RedisCluster.PowerShell.Session
{
    /// <summary>
    /// Turns the connection parameters every cmdlet offers (-Credential, -Tls, the certificate paths,
    /// the timeouts) into engine options, so that all cmdlets connect the same way.
    /// </summary>
    internal sealed class ConnectionOptionsFactory
    {
        public PSCredential? Credential { get; set; }

        public bool Tls { get; set; }

        public string? CaCertificatePath { get; set; }

        public string? ClientCertificatePath { get; set; }

        public string? ClientKeyPath { get; set; }

        public SecureString? ClientCertificatePassword { get; set; }

        public bool SkipCertificateCheck { get; set; }

        public string? TlsServerName { get; set; }

        public int Database { get; set; }

        public int ConnectTimeoutSeconds { get; set; } = 10;

        public int CommandTimeoutSeconds { get; set; } = 30;

        public RedisProtocol Protocol { get; set; } = RedisProtocol.Auto;

        /// <param name="resolvePath">Turns a PowerShell path (relative to the current location) into a file system path.</param>
        public ConnectionOptions Build(Func<string?, string?> resolvePath)
        {
            var options = new ConnectionOptions
            {
                UseTls = Tls || CaCertificatePath != null || ClientCertificatePath != null || SkipCertificateCheck,
                CaCertificatePath = resolvePath(CaCertificatePath),
                ClientCertificatePath = resolvePath(ClientCertificatePath),
                ClientKeyPath = resolvePath(ClientKeyPath),
                ClientCertificatePassword = ClientCertificatePassword,
                SkipCertificateCheck = SkipCertificateCheck,
                TlsServerName = TlsServerName,
                Database = Database,
                ConnectTimeout = TimeSpan.FromSeconds(ConnectTimeoutSeconds),
                CommandTimeout = TimeSpan.FromSeconds(CommandTimeoutSeconds),
                Protocol = Protocol,
            };

            if (Credential != null)
            {
                string user = Credential.UserName ?? string.Empty;
                options.Credential = new NetworkCredential(user.Trim(), Credential.Password);
            }

            return options;
        }
    }
}
