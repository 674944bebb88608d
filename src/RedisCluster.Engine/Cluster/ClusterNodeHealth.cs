namespace RedisCluster.Engine.Cluster
{
    /// <summary>
    /// A node's health as the queried node sees it. Only CLUSTER SHARDS reports Loading; CLUSTER SLOTS
    /// reports nothing (Unknown), and CLUSTER NODES only failure flags.
    /// </summary>
    public enum ClusterNodeHealth
    {
        Online,
        Failed,
        Loading,
        Unknown,
    }
}
