namespace RedisCluster.Engine.Cluster
{
    /// <summary>How a key spec finds the keys after the first: a range, a count read from an argument, or not at all.</summary>
    public enum KeyFindType
    {
        Range,
        KeyNum,
        Unknown,
    }
}
