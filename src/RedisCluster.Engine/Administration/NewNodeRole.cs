namespace RedisCluster.Engine.Administration
{
    /// <summary>What a node added to a cluster becomes.</summary>
    public enum NewNodeRole
    {
        /// <summary>A primary without slots (move slots to it afterwards).</summary>
        EmptyPrimary,

        /// <summary>A replica of a primary named by id or endpoint.</summary>
        ReplicaOfGiven,

        /// <summary>A replica of the primary with the fewest replicas.</summary>
        ReplicaOfLeastReplicated,
    }
}
