using System.Diagnostics;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Utilities;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.X509.Extension;
using BcX509Certificate = Org.BouncyCastle.X509.X509Certificate;

namespace RedisCluster.Tests.Infrastructure;

/// <summary>
/// Test PKI generated once per test process with BouncyCastle (no openssl CLI needed), ECDSA P-256 keys:
/// a CA, a server certificate signed by it (SAN localhost/127.0.0.1/::1, EKU serverAuth+clientAuth,
/// because Redis presents it as a client certificate on the TLS cluster bus and for replication),
/// a client certificate (EKU clientAuth) as PEM and PFX, and a second CA that signed nothing
/// the servers use (for negative trust tests). Keys are unencrypted PKCS#8 PEM ("PRIVATE KEY").
/// </summary>
public sealed class TestCertificates
{
    private static readonly Lazy<TestCertificates> s_shared =
        new(() => Generate(TestDirectories.NewDirectory("certs")), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The certificates shared by every test in this process (generated on first use).</summary>
    public static TestCertificates Shared => s_shared.Value;

    public string Directory { get; }
    public string CaCertPath => Path.Combine(Directory, "ca.crt");
    public string ServerCertPath => Path.Combine(Directory, "server.crt");
    public string ServerKeyPath => Path.Combine(Directory, "server.key");
    public string ClientCertPath => Path.Combine(Directory, "client.crt");
    public string ClientKeyPath => Path.Combine(Directory, "client.key");
    public string ClientPfxPath => Path.Combine(Directory, "client.pfx");
    public string ClientPfxPassword => "client-pfx-P4ss";
    /// <summary>A CA that did NOT sign the server or client certificates.</summary>
    public string OtherCaCertPath => Path.Combine(Directory, "other-ca.crt");

    /// <summary>How long generation took (for diagnostics).</summary>
    public TimeSpan GenerationTime { get; private set; }

    private TestCertificates(string directory) => Directory = directory;

    private static TestCertificates Generate(string directory)
    {
        var sw = Stopwatch.StartNew();
        var result = new TestCertificates(directory);
        var random = new SecureRandom();
        DateTime notBefore = DateTime.UtcNow.AddDays(-1);
        DateTime notAfter = DateTime.UtcNow.AddYears(2);

        // CA
        AsymmetricCipherKeyPair caKey = NewKey(random);
        var caName = new X509Name("CN=RedisCluster Test CA,O=RedisCluster Tests");
        BcX509Certificate caCert = IssueCa(caName, caKey, random, notBefore, notAfter);

        // Untrusted CA (signs nothing we use)
        AsymmetricCipherKeyPair otherCaKey = NewKey(random);
        BcX509Certificate otherCaCert = IssueCa(
            new X509Name("CN=RedisCluster Untrusted Test CA,O=RedisCluster Tests"), otherCaKey, random, notBefore, notAfter);

        // Server: serverAuth + clientAuth (cluster bus / replication present it as a client cert).
        AsymmetricCipherKeyPair serverKey = NewKey(random);
        BcX509Certificate serverCert = IssueLeaf(
            new X509Name("CN=localhost,O=RedisCluster Tests"), serverKey.Public, caCert, caKey.Private, random, notBefore, notAfter,
            new ExtendedKeyUsage(KeyPurposeID.id_kp_serverAuth, KeyPurposeID.id_kp_clientAuth),
            new GeneralNames(new[]
            {
                new GeneralName(GeneralName.DnsName, "localhost"),
                new GeneralName(GeneralName.IPAddress, "127.0.0.1"),
                new GeneralName(GeneralName.IPAddress, "::1"),
            }));

        // Client: clientAuth only.
        AsymmetricCipherKeyPair clientKey = NewKey(random);
        BcX509Certificate clientCert = IssueLeaf(
            new X509Name("CN=redis-test-client,O=RedisCluster Tests"), clientKey.Public, caCert, caKey.Private, random, notBefore, notAfter,
            new ExtendedKeyUsage(KeyPurposeID.id_kp_clientAuth),
            subjectAltNames: null);

        File.WriteAllText(result.CaCertPath, ToPem(caCert));
        File.WriteAllText(result.OtherCaCertPath, ToPem(otherCaCert));
        File.WriteAllText(result.ServerCertPath, ToPem(serverCert));
        File.WriteAllText(result.ServerKeyPath, ToPem(new Pkcs8Generator(serverKey.Private)));
        File.WriteAllText(result.ClientCertPath, ToPem(clientCert));
        File.WriteAllText(result.ClientKeyPath, ToPem(new Pkcs8Generator(clientKey.Private)));
        WritePfx(result.ClientPfxPath, result.ClientPfxPassword, clientKey.Private, clientCert, caCert, random);

        result.GenerationTime = sw.Elapsed;
        return result;
    }

    /// <summary>
    /// ECDSA P-256 key pair, generated by BouncyCastle in about a millisecond. RSA 2048 took about
    /// 0.6 s per key with BouncyCastle and 0.1-0.5 s with the runtime's native crypto (2.4 s / 1.3 s for
    /// the four keys), time every test run paid before the first TLS server could start. Redis (OpenSSL),
    /// redis-cli and .NET SslStream all accept ECDSA certificates.
    /// </summary>
    private static AsymmetricCipherKeyPair NewKey(SecureRandom random)
    {
        var generator = new ECKeyPairGenerator("EC");
        generator.Init(new ECKeyGenerationParameters(SecObjectIdentifiers.SecP256r1, random));
        return generator.GenerateKeyPair();
    }

    private static BigInteger NewSerial(SecureRandom random) =>
        new BigInteger(120, random).Add(BigInteger.One);

    private static BcX509Certificate IssueCa(
        X509Name name, AsymmetricCipherKeyPair key, SecureRandom random, DateTime notBefore, DateTime notAfter)
    {
        var gen = new X509V3CertificateGenerator();
        gen.SetSerialNumber(NewSerial(random));
        gen.SetIssuerDN(name);
        gen.SetSubjectDN(name);
        gen.SetNotBefore(notBefore);
        gen.SetNotAfter(notAfter);
        gen.SetPublicKey(key.Public);
        gen.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(true));
        gen.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.KeyCertSign | KeyUsage.CrlSign | KeyUsage.DigitalSignature));
        gen.AddExtension(X509Extensions.SubjectKeyIdentifier, false, X509ExtensionUtilities.CreateSubjectKeyIdentifier(key.Public));
        return gen.Generate(new Asn1SignatureFactory("SHA256WITHECDSA", key.Private, random));
    }

    private static BcX509Certificate IssueLeaf(
        X509Name subject, AsymmetricKeyParameter publicKey, BcX509Certificate issuer, AsymmetricKeyParameter issuerKey,
        SecureRandom random, DateTime notBefore, DateTime notAfter, ExtendedKeyUsage eku, GeneralNames? subjectAltNames)
    {
        var gen = new X509V3CertificateGenerator();
        gen.SetSerialNumber(NewSerial(random));
        gen.SetIssuerDN(issuer.SubjectDN);
        gen.SetSubjectDN(subject);
        gen.SetNotBefore(notBefore);
        gen.SetNotAfter(notAfter);
        gen.SetPublicKey(publicKey);
        gen.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(false));
        gen.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.DigitalSignature));
        gen.AddExtension(X509Extensions.ExtendedKeyUsage, false, eku);
        gen.AddExtension(X509Extensions.SubjectKeyIdentifier, false, X509ExtensionUtilities.CreateSubjectKeyIdentifier(publicKey));
        gen.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, X509ExtensionUtilities.CreateAuthorityKeyIdentifier(issuer));
        if (subjectAltNames is not null)
        {
            gen.AddExtension(X509Extensions.SubjectAlternativeName, false, subjectAltNames);
        }
        return gen.Generate(new Asn1SignatureFactory("SHA256WITHECDSA", issuerKey, random));
    }

    private static string ToPem(object obj)
    {
        using var writer = new StringWriter();
        var pem = new PemWriter(writer);
        if (obj is Org.BouncyCastle.Utilities.IO.Pem.PemObjectGenerator generator)
        {
            pem.WriteObject(generator);
        }
        else
        {
            pem.WriteObject(obj);
        }
        pem.Writer.Flush();
        return writer.ToString().Replace("\r\n", "\n");
    }

    private static void WritePfx(
        string path, string password, AsymmetricKeyParameter key, BcX509Certificate cert, BcX509Certificate ca, SecureRandom random)
    {
        // 3DES for both bags + SHA-1 MAC: readable by .NET on every platform and by OpenSSL 3 without the legacy provider.
        Pkcs12Store store = new Pkcs12StoreBuilder()
            .SetKeyAlgorithm(PkcsObjectIdentifiers.PbeWithShaAnd3KeyTripleDesCbc)
            .SetCertAlgorithm(PkcsObjectIdentifiers.PbeWithShaAnd3KeyTripleDesCbc)
            .Build();
        var certEntry = new X509CertificateEntry(cert);
        store.SetKeyEntry("redis-test-client", new AsymmetricKeyEntry(key), new[] { certEntry, new X509CertificateEntry(ca) });
        using var stream = File.Create(path);
        store.Save(stream, password.ToCharArray(), random);
    }
}
