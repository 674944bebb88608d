using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace RedisCluster.Pem
{
    /// <summary>
    /// <see cref="IPemReader"/> with BouncyCastle: netstandard2.0 (Windows PowerShell 5.1) has no PEM support
    /// of its own. Created by the engine through its name (PemReaderLoader); keep the name and the
    /// parameterless constructor.
    /// </summary>
    internal sealed class BouncyCastlePemReader : IPemReader
    {
        public X509Certificate2Collection ReadCertificates(string path)
        {
            var result = new X509Certificate2Collection();
            foreach (object item in ReadPemObjects(path, null))
            {
                if (item is BcCertificate certificate)
                {
                    result.Add(new X509Certificate2(certificate.GetEncoded()));
                }
            }

            return result;
        }

        public X509Certificate2 ReadClientCertificate(string certificatePath, string? keyPath, string? password)
        {
            var chain = new List<BcCertificate>();
            AsymmetricKeyParameter? key = null;
            foreach (object item in ReadPemObjects(certificatePath, password))
            {
                CollectPemItem(item, chain, ref key);
            }

            if (keyPath != null)
            {
                foreach (object item in ReadPemObjects(keyPath, password))
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

            return ToX509Certificate2(chain, key);
        }

        // BouncyCastle's key cannot become a .NET key on netstandard2.0 directly: a PKCS#12 blob is the bridge.
        private static X509Certificate2 ToX509Certificate2(List<BcCertificate> chain, AsymmetricKeyParameter key)
        {
            var store = new Pkcs12StoreBuilder().Build();
            var entries = new X509CertificateEntry[chain.Count];
            for (int i = 0; i < chain.Count; i++)
            {
                entries[i] = new X509CertificateEntry(chain[i]);
            }

            store.SetKeyEntry("client", new AsymmetricKeyEntry(key), entries);

            // The blob only lives in memory, under a password made for it.
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
