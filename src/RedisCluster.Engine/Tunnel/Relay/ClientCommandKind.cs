namespace RedisCluster.Engine.Tunnel.Relay
{
    /// <summary>The few commands whose replies the tunnel treats specially; everything else is Other.</summary>
    internal enum ClientCommandKind
    {
        Other,
        ClusterSlots,
        ClusterShards,
        ClusterNodes,

        /// <summary>CLUSTER REPLICAS and its old name CLUSTER SLAVES.</summary>
        ClusterReplicas,

        /// <summary>
        /// A command after which replies no longer pair one-to-one with commands (SUBSCRIBE family in
        /// RESP2, MONITOR, CLIENT REPLY OFF/SKIP, replication): reply correlation stops for the connection.
        /// </summary>
        Desync,

        /// <summary>
        /// An EXEC of a transaction in which the tunnel refused a command: sent on as DISCARD, and its OK answered as
        /// Redis answers EXEC after a refused command, with EXECABORT.
        /// </summary>
        DiscardedExec,
    }
}
