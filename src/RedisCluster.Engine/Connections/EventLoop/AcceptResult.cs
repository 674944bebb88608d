namespace RedisCluster.Engine.Connections.EventLoop
{
    /// <summary>What one <see cref="NativeAccept.TryAccept"/> found.</summary>
    internal enum AcceptResult
    {
        /// <summary>A connection was taken.</summary>
        Accepted,

        /// <summary>None is waiting now.</summary>
        NoneWaiting,

        /// <summary>The system refused (out of descriptors or memory): the connections stay in the backlog.</summary>
        Failed,
    }
}
