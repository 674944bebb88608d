namespace RedisCluster.Engine.Administration
{
    /// <summary>Why an administration step refused to go on or failed; the PowerShell layer picks an error category from it.</summary>
    public enum AdministrationFailure
    {
        /// <summary>A node could not be reached (connection refused, timeout, TLS or authentication failure).</summary>
        NodeUnreachable,

        /// <summary>A node runs with cluster-enabled no.</summary>
        NotClusterEnabled,

        /// <summary>A node that should be empty holds keys.</summary>
        NodeNotEmpty,

        /// <summary>A node that should be new already knows other nodes or owns slots.</summary>
        AlreadyInCluster,

        /// <summary>The request itself cannot work: too few nodes, a node given twice, an unknown node id.</summary>
        InvalidRequest,

        /// <summary>The cluster's state forbids the step: a primary that still owns slots, a failover on a primary.</summary>
        InvalidState,

        /// <summary>A node answered a command with an error.</summary>
        CommandFailed,

        /// <summary>The cluster did not reach the expected state within the timeout.</summary>
        NotConverged,
    }
}
