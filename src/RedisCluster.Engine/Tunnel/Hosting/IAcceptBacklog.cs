namespace RedisCluster.Engine.Tunnel.Hosting
{
    /// <summary>A listener whose waiting connections can be taken on demand, so that every connection that has arrived is known.</summary>
    internal interface IAcceptBacklog
    {
        /// <summary>
        /// Accepts every connection waiting in the listener's backlog and, before returning, has each one's session made (a
        /// smart session registers its arrival then; it starts running later, on the thread pool). A connection another
        /// caller took meanwhile has its session made by then too.
        /// </summary>
        void TakeWaiting();
    }
}
