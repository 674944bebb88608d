namespace RedisCluster.Engine.Tunnel
{
    /// <summary>Life cycle of a tunnel.</summary>
    public enum TunnelState
    {
        Running,

        /// <summary>Listeners are closed; connections are draining.</summary>
        Stopping,

        Stopped,
    }
}
