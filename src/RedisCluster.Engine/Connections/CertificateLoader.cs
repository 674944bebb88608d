using System;
using System.IO;
using System.Net;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using RedisCluster.Engine.Errors;

namespace RedisCluster.Engine.Connections
{
    /// <summary>
    /// Reads CA bundles and client certificates: DER and PFX/PKCS#12 with the framework, PEM through
    /// <see cref="IPemReader"/> (RedisCluster.Pem.dll, loaded only when a PEM file is given).
    /// </summary>
    public static class CertificateLoader
    {
        public static X509Certificate2Collection LoadCaCertificates(string path)
        {
            byte[] bytes = ReadFile(path, "CA certificate");
            if (!LooksLikePem(bytes))
            {
                return new X509Certificate2Collection(new X509Certificate2(bytes));
            }

            X509Certificate2Collection result = PemReaderLoader.Reader.ReadCertificates(path);
            if (result.Count == 0)
            {
                throw new RedisConfigurationException("The CA file '" + path + "' contains no certificate.");
            }

            return result;
        }

        /// <summary>
        /// Loads a client certificate with its private key: a PEM certificate plus a PEM key file
        /// (PKCS#1, PKCS#8, SEC1, encrypted or not), a PEM file holding both, or a PFX/PKCS#12 file.
        /// </summary>
        public static X509Certificate2 LoadClientCertificate(string certificatePath, string? keyPath, SecureString? password)
        {
            byte[] certBytes = ReadFile(certificatePath, "client certificate");
            string? plainPassword = password == null ? null : new NetworkCredential(string.Empty, password).Password;
            if (!LooksLikePem(certBytes))
            {
                if (keyPath != null)
                {
                    throw new RedisConfigurationException("'" + certificatePath + "' is not a PEM certificate, so it is read as PFX, which carries its own key; do not give a key file with it.");
                }

                try
                {
                    return new X509Certificate2(certBytes, plainPassword, X509KeyStorageFlags.Exportable);
                }
                catch (System.Security.Cryptography.CryptographicException ex)
                {
                    throw new RedisConfigurationException("The PFX file '" + certificatePath + "' could not be read (wrong password, or not a PFX file): " + ex.Message, ex);
                }
            }

            if (keyPath != null)
            {
                ReadFile(keyPath, "client key");
            }

            return PemReaderLoader.Reader.ReadClientCertificate(certificatePath, keyPath, plainPassword);
        }

        private static byte[] ReadFile(string path, string what)
        {
            try
            {
                return File.ReadAllBytes(path);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is ArgumentException || ex is NotSupportedException)
            {
                throw new RedisConfigurationException("The " + what + " file '" + path + "' could not be read: " + ex.Message, ex);
            }
        }

        private static bool LooksLikePem(byte[] bytes)
        {
            string head = System.Text.Encoding.ASCII.GetString(bytes, 0, Math.Min(bytes.Length, 4096));
            return head.IndexOf("-----BEGIN ", StringComparison.Ordinal) >= 0;
        }
    }
}
