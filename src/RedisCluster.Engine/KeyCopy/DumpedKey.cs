namespace RedisCluster.Engine.KeyCopy
{
    /// <summary>What DUMP and PTTL said about one source key.</summary>
    internal readonly struct DumpedKey
    {
        public DumpedKey(byte[] key, byte[]? payload, long pttl, string? error)
        {
            Key = key;
            Payload = payload;
            Pttl = pttl;
            Error = error;
        }

        public byte[] Key { get; }

        /// <summary>The serialized value, or null when the key no longer existed.</summary>
        public byte[]? Payload { get; }

        /// <summary>Milliseconds left to live: -1 without a TTL, -2 when the key no longer existed.</summary>
        public long Pttl { get; }

        /// <summary>The error DUMP or PTTL answered (a permission, a redirect that did not settle), or null.</summary>
        public string? Error { get; }
    }
}
