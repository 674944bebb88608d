namespace RedisCluster.Engine.Cluster
{
    /// <summary>How a key spec finds its first key: a fixed argument index, the argument after a keyword, or not at all.</summary>
    public enum KeyBeginSearchType
    {
        Index,
        Keyword,
        Unknown,
    }
}
