using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using RedisCluster.Engine.Errors;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace RedisCluster.Engine.Connections
{
    /// <summary>
    /// Reads CA bundles and client certificates. PEM is read with BouncyCastle because
    /// netstandard2.0 (Windows PowerShell 5.1) has no PEM support of its own.
    /// </summary>
    public static class CertificateLoader
    {
        public static X509Certificate2Collection LoadCaCertificates(string path)
        {
            byte[] bytes = ReadFile(path, "CA certificate");
            var result = new X509Certificate2Collection();
            if (!LooksLikePem(bytes))
            {
                result.Add(new X509Certificate2(bytes));
                return result;
            }

            foreach (object item in ReadPemObjects(path, null))
            {
                if (item is BcCertificate certificate)
                {
                    result.Add(new X509Certificate2(certificate.GetEncoded()));
                }
            }

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

            var chain = new List<BcCertificate>();
            AsymmetricKeyParameter? key = null;
            foreach (object item in ReadPemObjects(certificatePath, plainPassword))
            {
                CollectPemItem(item, chain, ref key);
            }

            if (keyPath != null)
            {
                ReadFile(keyPath, "client key");
                foreach (object item in ReadPemObjects(keyPath, plainPassword))
                {
                    CollectPemItem(item, chain, ref key);
                }
            }

            if (chain.Count == 0)
            {
                throw new RedisConfigurationException("'" + certificatePath + "' contains no certificate.");
            }

            if (key == null)
            {
                throw new RedisConfigurationException(keyPath == null
                    ? "'" + certificatePath + "' has no private key; give the key file with -ClientKeyPath."
                    : "'" + keyPath + "' contains no private key.");
            }

            var store = new Pkcs12StoreBuilder().Build();
            var entries = new X509CertificateEntry[chain.Count];
            for (int i = 0; i < chain.Count; i++)
            {
                entries[i] = new X509CertificateEntry(chain[i]);
            }

            store.SetKeyEntry("client", new AsymmetricKeyEntry(key), entries);

            // The PKCS#12 blob only lives in memory, as the bridge from BouncyCastle to X509Certificate2.
            char[] transient = Guid.NewGuid().ToString("N").ToCharArray();
            using (var pfx = new MemoryStream())
            {
                store.Save(pfx, transient, new SecureRandom());
                return new X509Certificate2(pfx.ToArray(), new string(transient), X509KeyStorageFlags.Exportable);
            }
        }

        private static void CollectPemItem(object item, List<BcCertificate> chain, ref AsymmetricKeyParameter? key)
        {
            switch (item)
            {
                case BcCertificate certificate:
                    chain.Add(certificate);
                    break;
                case AsymmetricCipherKeyPair pair:
                    key = pair.Private;
                    break;
                case AsymmetricKeyParameter parameter when parameter.IsPrivate:
                    key = parameter;
                    break;
            }
        }

        private static List<object> ReadPemObjects(string path, string? password)
        {
            var items = new List<object>();
            try
            {
                using (var reader = new StreamReader(path))
                {
                    var pem = new PemReader(reader, password == null ? null : new StaticPasswordFinder(password));
                    object? item;
                    while ((item = pem.ReadObject()) != null)
                    {
                        items.Add(item);
                    }
                }
            }
            catch (Exception ex) when (ex is IOException || ex is PemException || ex is InvalidCipherTextException || ex is Org.BouncyCastle.OpenSsl.PasswordException || ex is ArgumentException || ex is InvalidOperationException)
            {
                throw new RedisConfigurationException("'" + path + "' could not be read as PEM (" + ex.GetType().Name + "): check the file and, for an encrypted key, the password.", ex);
            }

            return items;
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

        private sealed class StaticPasswordFinder : IPasswordFinder
        {
            private readonly string _password;

            public StaticPasswordFinder(string password)
            {
                _password = password;
            }

            public char[] GetPassword() => _password.ToCharArray();
        }
    }
}
