using System;
using System.IO;
using RedisCluster.Engine.Errors;

namespace RedisCluster.Engine.Connections
{
    /// <summary>
    /// Loads the <see cref="IPemReader"/> of RedisCluster.Pem.dll by name, the first time a PEM file is read.
    /// </summary>
    /// <remarks>
    /// The engine has no static reference to RedisCluster.Pem, and so none to BouncyCastle: the engine loads in
    /// PowerShell's default load context, where the module's public types must be (so that a user can write
    /// [RedisCluster.Engine.Tunnel.RedisTunnel]), while another module may already have put a different
    /// BouncyCastle there. Asked for by name, RedisCluster.Pem is not found by the default context, which then
    /// raises its Resolving event; the module answers it on PowerShell 7 with its own load context, where
    /// BouncyCastle resolves privately and the engine resolves back to this one (so <see cref="IPemReader"/> is
    /// one type). Hosts that ship RedisCluster.Pem beside the engine (the test host) find it directly.
    /// </remarks>
    internal static class PemReaderLoader
    {
        private const string ReaderTypeName = "RedisCluster.Pem.BouncyCastlePemReader, RedisCluster.Pem";

        private static readonly object Gate = new object();
        // A failed load is not remembered: a module whose files were restored works without a new session.
        private static IPemReader? _reader;

        public static IPemReader Reader
        {
            get
            {
                lock (Gate)
                {
                    return _reader ??= Load();
                }
            }
        }

        private static IPemReader Load()
        {
            try
            {
                Type type = Type.GetType(ReaderTypeName, throwOnError: true)!;
                return (IPemReader)Activator.CreateInstance(type)!;
            }
            catch (Exception ex) when (ex is FileNotFoundException || ex is FileLoadException || ex is BadImageFormatException
                || ex is TypeLoadException || ex is InvalidCastException || ex is MissingMethodException)
            {
                throw new RedisConfigurationException(
                    "PEM files are read by RedisCluster.Pem.dll (in the module's Dependencies folder), which could not be loaded: "
                    + ex.Message + " Reinstall the module, or give the certificate as a PFX/PKCS#12 file (a CA certificate as DER).", ex);
            }
        }
    }
}
