namespace RedisCluster.Engine.Tunnel.Relay
{
    /// <summary>What the byte relay does with one client command.</summary>
    internal enum ClientCommandAction
    {
        /// <summary>Sent on as the client wrote it.</summary>
        Relay,

        /// <summary>AUTH or HELLO: read whole, then rewritten to the tunnel's credential or checked against the tunnel's password.</summary>
        ReadWhole,

        /// <summary>Not sent: the tunnel answers the refusal in its place among the replies.</summary>
        Refuse,

        /// <summary>
        /// An EXEC of a transaction in which the tunnel refused a command: sent on as DISCARD, whose OK the reply side
        /// answers as Redis answers such an EXEC, with EXECABORT.
        /// </summary>
        Discard,
    }
}
