namespace RedisCluster.Engine.Tunnel.Hosting
{
    /// <summary>A listener whose waiting connections can be taken on demand, so that every connection that has arrived is known.</summary>
    internal interface IAcceptBacklog
    {
        /// <summary>
        /// Accepts every connection waiting in the listener's backlog and hands each to its session before returning;
        /// one taken meanwhile by another caller has its session by then too.
        /// </summary>
        void TakeWaiting();
    }
}
