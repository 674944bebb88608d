namespace RedisCluster.PowerShell.Output
{
    /// <summary>A key found by Get-RedisKey; its Key property binds to Invoke-RedisCommand -Key down the pipeline.</summary>
    public sealed class RedisKey
    {
        public RedisKey(string key, int? slot, string node, string? type)
        {
            Key = key;
            Slot = slot;
            Node = node;
            Type = type;
        }

        public string Key { get; }

        /// <summary>The key's hash slot (also computed for a standalone server, for planning a move to a cluster).</summary>
        public int? Slot { get; }

        /// <summary>
        /// The node the key was found on. Not named Endpoint on purpose: piped into a cmdlet, an
        /// Endpoint property would bind to -Endpoint and open a connection per key.
        /// </summary>
        public string Node { get; }

        /// <summary>The type filter the key matched (-Type), if one was given.</summary>
        public string? Type { get; }

        public override string ToString() => Key;
    }
}
