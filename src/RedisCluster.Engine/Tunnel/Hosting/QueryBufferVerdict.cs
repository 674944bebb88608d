namespace RedisCluster.Engine.Tunnel.Hosting
{
    /// <summary>Whether a client's buffered input fits the tunnel's query-buffer limits.</summary>
    internal enum QueryBufferVerdict
    {
        Within,

        /// <summary>Over client-query-buffer-limit: Redis closes such a client without a reply.</summary>
        OverClientLimit,

        /// <summary>The client's growth took every client's buffers together over the tunnel's total limit.</summary>
        OverTotalLimit,
    }
}
