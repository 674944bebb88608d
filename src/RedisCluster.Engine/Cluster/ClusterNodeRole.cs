namespace RedisCluster.Engine.Cluster
{
    /// <summary>Whether a node serves its slots (primary) or copies a primary (replica).</summary>
    public enum ClusterNodeRole
    {
        Primary,
        Replica,
    }
}
