namespace RedisCluster.Engine.Administration
{
    /// <summary>What is wrong with a node in a cluster check.</summary>
    public enum NodeProblemKind
    {
        /// <summary>The check could not connect to it.</summary>
        Unreachable,

        /// <summary>The cluster flags it failed (fail).</summary>
        Failed,

        /// <summary>The node checked first suspects it (fail?), or cannot tell its address (noaddr).</summary>
        FailureSuspected,

        /// <summary>It reports cluster_state other than ok.</summary>
        ClusterStateNotOk,

        /// <summary>A replica whose master_link_status is not up.</summary>
        ReplicaLinkDown,

        /// <summary>Its slot map differs from that of the node checked first.</summary>
        ConfigurationDiffers,
    }
}
