using System;

namespace RedisCluster.Engine.KeyCopy
{
    /// <summary>
    /// Reads the footer of a DUMP payload: the serialized value is followed by the RDB format version
    /// (2 bytes, little endian) and a CRC64 (8 bytes). RESTORE refuses a payload whose version is newer than
    /// the server's own, which is what happens when a newer Redis is copied into an older one.
    /// </summary>
    internal static class DumpPayload
    {
        private const int FooterLength = 10;

        /// <summary>The RDB format version the payload was written in, or null when the payload is too short to have a footer.</summary>
        public static int? RdbVersion(byte[] payload)
        {
            if (payload == null || payload.Length < FooterLength + 1)
            {
                return null;
            }

            int at = payload.Length - FooterLength;
            return payload[at] | (payload[at + 1] << 8);
        }

        /// <summary>True for RESTORE's answer to a payload it cannot read: a newer format, or a damaged one (the server does not tell them apart).</summary>
        public static bool IsRejectedFormat(string? error)
            => error != null && error.IndexOf("payload version or checksum are wrong", StringComparison.OrdinalIgnoreCase) >= 0;
    }
}
