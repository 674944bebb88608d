namespace RedisCluster.Engine.Cluster
{
    /// <summary>
    /// Where a command goes in a cluster, from its <c>request_policy</c> tip. Default: by the slot of its
    /// keys, or to any node when it has none.
    /// </summary>
    public enum RequestPolicy
    {
        Default,

        /// <summary>Every node, replicas included (SCRIPT LOAD, CONFIG SET).</summary>
        AllNodes,

        /// <summary>Every primary (DBSIZE, KEYS, FLUSHALL).</summary>
        AllShards,

        /// <summary>Split the keys by slot and send one command per shard (MGET, MSET, DEL).</summary>
        MultiShard,

        /// <summary>Needs command-specific handling (SCAN).</summary>
        Special,
    }
}
