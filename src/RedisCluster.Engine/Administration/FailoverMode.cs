namespace RedisCluster.Engine.Administration
{
    /// <summary>How CLUSTER FAILOVER promotes a replica.</summary>
    public enum FailoverMode
    {
        /// <summary>A coordinated failover: the primary stops writes until the replica has caught up. Needs the primary up.</summary>
        Default,

        /// <summary>Without the primary's agreement (it may be down), but with the other primaries' votes.</summary>
        Force,

        /// <summary>Without any vote: the replica takes a new epoch on its own (when no majority of primaries is reachable).</summary>
        Takeover,
    }
}
