using System.Security.Cryptography.X509Certificates;

namespace RedisCluster.Engine.Connections
{
    /// <summary>
    /// Reads PEM certificates and private keys. Implemented in RedisCluster.Pem.dll with BouncyCastle
    /// (netstandard2.0, so Windows PowerShell 5.1, has no PEM support of its own), which the engine loads by
    /// name only when a PEM file is given: see <see cref="PemReaderLoader"/>.
    /// </summary>
    /// <remarks>
    /// Only framework types cross this interface, so it stays the same type on both sides when RedisCluster.Pem
    /// lives in the module's own load context on PowerShell 7.
    /// </remarks>
    internal interface IPemReader
    {
        /// <summary>Every certificate in the PEM file <paramref name="path"/>, in file order; empty when it has none.</summary>
        X509Certificate2Collection ReadCertificates(string path);

        /// <summary>
        /// The client certificate in the PEM file <paramref name="certificatePath"/> with its private key, which is
        /// in that file or in <paramref name="keyPath"/> (PKCS#1, PKCS#8, SEC1; encrypted with <paramref name="password"/>
        /// or not). Throws <see cref="Errors.RedisConfigurationException"/> for a file that cannot be used.
        /// </summary>
        X509Certificate2 ReadClientCertificate(string certificatePath, string? keyPath, string? password);
    }
}
