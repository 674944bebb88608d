using System;
using System.Management.Automation;
using System.Security;
using RedisCluster.Engine.Connections;

namespace RedisCluster.PowerShell.Session
{
    /// <summary>The connection parameters every cmdlet that opens its own connections offers.</summary>
    internal interface IConnectionParameters
    {
        PSCredential? Credential { get; }

        SwitchParameter Tls { get; }

        string? CaCertificatePath { get; }

        string? ClientCertificatePath { get; }

        string? ClientKeyPath { get; }

        SecureString? ClientCertificatePassword { get; }

        SwitchParameter SkipCertificateCheck { get; }

        string? TlsServerName { get; }

        int ConnectTimeout { get; }
    }

    /// <summary>Turns those parameters into engine options, so that every cmdlet connects, secures and authenticates the same way.</summary>
    internal static class ConnectionParameters
    {
        /// <param name="resolvePath">Turns a PowerShell path (relative to the current location) into a file system path.</param>
        public static ConnectionOptions ToOptions(IConnectionParameters p, Func<string?, string?> resolvePath)
        {
            var options = new ConnectionOptions
            {
                UseTls = p.Tls || p.CaCertificatePath != null || p.ClientCertificatePath != null || p.SkipCertificateCheck,
                CaCertificatePath = resolvePath(p.CaCertificatePath),
                ClientCertificatePath = resolvePath(p.ClientCertificatePath),
                ClientKeyPath = resolvePath(p.ClientKeyPath),
                SkipCertificateCheck = p.SkipCertificateCheck,
                TlsServerName = p.TlsServerName,
                ConnectTimeout = TimeSpan.FromSeconds(p.ConnectTimeout),
            };

            options.SetClientCertificatePassword(p.ClientCertificatePassword);
            if (p.Credential != null)
            {
                string user = p.Credential.UserName ?? string.Empty;
                options.SetCredential(user.Trim(), p.Credential.Password);
            }

            return options;
        }
    }
}
