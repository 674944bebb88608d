using System.Net;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.Security;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Connections;

/// <summary>
/// PEM files through the engine's CertificateLoader, which loads its PEM reader (RedisCluster.Pem) by name:
/// this host has it in its deps, as the module has it in Dependencies/. Encrypted keys and a wrong password
/// are checked here only; connecting with a PEM key is SecureConnectionTests' (and in pwsh, DependencyIsolation's).
/// </summary>
public sealed class PemCertificateTests
{
    private const string KeyPassword = "Pem-Key-P4ss";

    private static TestCertificates Certs => TestCertificates.Shared;

    [Fact]
    public void ReadsTheCertificatesOfAPemCaFile()
    {
        X509Certificate2Collection roots = CertificateLoader.LoadCaCertificates(Certs.CaCertPath);

        using X509Certificate2 expected = X509CertificateLoader.LoadCertificateFromFile(Certs.CaCertPath);
        Assert.Equal(expected.Thumbprint, Assert.Single(roots).Thumbprint);
    }

    [Fact]
    public void ReadsAnEncryptedPkcs8KeyWithItsPassword()
    {
        string keyPath = WriteEncryptedClientKey();

        using X509Certificate2 client = CertificateLoader.LoadClientCertificate(Certs.ClientCertPath, keyPath, Secure(KeyPassword));

        using X509Certificate2 expected = X509CertificateLoader.LoadCertificateFromFile(Certs.ClientCertPath);
        Assert.Equal(expected.Thumbprint, client.Thumbprint);
        Assert.True(client.HasPrivateKey);
    }

    [Fact]
    public void AWrongKeyPasswordIsAConfigurationErrorThatDoesNotShowIt()
    {
        string keyPath = WriteEncryptedClientKey();
        const string wrong = "Not-The-Pem-Key-P4ss";

        var error = Assert.Throws<RedisConfigurationException>(
            () => CertificateLoader.LoadClientCertificate(Certs.ClientCertPath, keyPath, Secure(wrong)));

        Assert.Contains(keyPath, error.Message);
        Assert.Contains("password", error.Message);
        Assert.DoesNotContain(wrong, error.ToString());
    }

    // The shared client key (unencrypted PKCS#8) written again as an encrypted PKCS#8 PEM.
    private static string WriteEncryptedClientKey()
    {
        AsymmetricKeyParameter key;
        using (var reader = new StreamReader(Certs.ClientKeyPath))
        {
            key = (AsymmetricKeyParameter)new PemReader(reader).ReadObject();
        }

        var generator = new Pkcs8Generator(key, Pkcs8Generator.PbeWithShaAnd3KeyTripleDesCbc)
        {
            Password = KeyPassword.ToCharArray(),
            SecureRandom = new SecureRandom(),
        };
        string path = Path.Combine(TestDirectories.NewDirectory("pem"), "client-encrypted.key");
        using (var writer = new StreamWriter(path))
        {
            new PemWriter(writer).WriteObject(generator);
        }

        return path;
    }

    private static SecureString Secure(string text) => new NetworkCredential(string.Empty, text).SecurePassword;
}
