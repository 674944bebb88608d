using System;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace RedisCluster.Engine.Connections
{
    /// <summary>
    /// Decides whether to trust a server certificate, and remembers why not, so that the connection
    /// error can say what was wrong. netstandard2.0 has no custom root trust, so a private CA is
    /// checked here by building the chain with the CA as an extra store and requiring it as the root.
    /// </summary>
    internal sealed class ServerCertificateValidator
    {
        private readonly X509Certificate2Collection? _trustedRoots;
        private readonly bool _skip;

        public ServerCertificateValidator(X509Certificate2Collection? trustedRoots, bool skip)
        {
            _trustedRoots = trustedRoots;
            _skip = skip;
        }

        /// <summary>Why the last certificate was refused, or null.</summary>
        public string? FailureReason { get; private set; }

        public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
        {
            if (_skip)
            {
                return true;
            }

            if (certificate == null || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
            {
                FailureReason = "the server presented no certificate";
                return false;
            }

            if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
            {
                FailureReason = "the certificate's names do not match the host you connected to (subject " + certificate.Subject
                    + "); connect by a name the certificate lists, or set the expected name";
                return false;
            }

            if (_trustedRoots == null)
            {
                if (errors == SslPolicyErrors.None)
                {
                    return true;
                }

                FailureReason = "the certificate chain is not trusted by the system store (" + Describe(chain) + "); give the CA with -CaCertificatePath";
                return false;
            }

            using (var custom = new X509Chain())
            {
                custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                custom.ChainPolicy.VerificationFlags = X509VerificationFlags.AllowUnknownCertificateAuthority;
                custom.ChainPolicy.ExtraStore.AddRange(_trustedRoots);
                var leaf = certificate as X509Certificate2 ?? new X509Certificate2(certificate);
                custom.Build(leaf);

                foreach (X509ChainStatus status in custom.ChainStatus)
                {
                    if (status.Status != X509ChainStatusFlags.UntrustedRoot && status.Status != X509ChainStatusFlags.NoError)
                    {
                        FailureReason = "the certificate chain is invalid: " + status.Status + " (" + status.StatusInformation.Trim() + ")";
                        return false;
                    }
                }

                X509Certificate2 root = custom.ChainElements[custom.ChainElements.Count - 1].Certificate;
                foreach (X509Certificate2 trusted in _trustedRoots)
                {
                    if (string.Equals(trusted.Thumbprint, root.Thumbprint, StringComparison.OrdinalIgnoreCase))
                    {
                        return true;
                    }
                }

                FailureReason = "the certificate was not issued by the given CA (its chain ends at " + root.Subject + ")";
                return false;
            }
        }

        private static string Describe(X509Chain? chain)
        {
            if (chain == null || chain.ChainStatus.Length == 0)
            {
                return "no chain status";
            }

            return string.Join(", ", Array.ConvertAll(chain.ChainStatus, s => s.Status.ToString()));
        }
    }
}
