namespace RedisCluster.Engine.Client
{
    /// <summary>Whether to treat the target as one server or as a cluster. Auto asks the server.</summary>
    public enum RedisClientMode
    {
        Auto,
        Standalone,
        Cluster,
    }
}
