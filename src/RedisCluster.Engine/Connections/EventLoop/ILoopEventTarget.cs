namespace RedisCluster.Engine.Connections.EventLoop
{
    /// <summary>What a <see cref="SocketEventLoop"/> tells of a descriptor's events: a connected socket's stream, or a listener's acceptor.</summary>
    internal interface ILoopEventTarget
    {
        /// <summary>The loop heard <paramref name="events"/> (epoll's bits) for the descriptor; runs on the loop's thread and must not block.</summary>
        void OnEvents(uint events);
    }
}
