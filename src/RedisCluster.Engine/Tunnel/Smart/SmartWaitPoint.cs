namespace RedisCluster.Engine.Tunnel.Smart
{
    /// <summary>
    /// Where in a client's batch the session asks what must go before it (<see cref="SmartBackend.WaitForEarlierAsync"/>);
    /// each point asks for more than the one before it, so a batch that has passed one need not pass a lower one again.
    /// </summary>
    internal enum SmartWaitPoint
    {
        /// <summary>Before a batch: newcomers' first commands, then blocking commands in transit.</summary>
        BatchStart,

        /// <summary>Before a write that goes on the client's own connection (a blocking command, an EXEC under WATCH): the listener's backlog too.</summary>
        OwnConnectionWrite,

        /// <summary>Before a write on a shared connection: first the other event loops too, while blocking commands are in use.</summary>
        SharedWrite,
    }
}
