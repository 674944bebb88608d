namespace RedisCluster.Engine.Cluster
{
    /// <summary>How the replies of a fanned-out command combine, from its <c>response_policy</c> tip.</summary>
    public enum ResponsePolicy
    {
        /// <summary>No tip: keyless commands concatenate the replies, keyed ones return them in key order.</summary>
        Default,
        OneSucceeded,
        AllSucceeded,
        AggLogicalAnd,
        AggLogicalOr,
        AggMin,
        AggMax,
        AggSum,
        Special,
    }
}
