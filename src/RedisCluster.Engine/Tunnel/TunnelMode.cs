namespace RedisCluster.Engine.Tunnel
{
    /// <summary>How a tunnel maps local listeners to servers.</summary>
    public enum TunnelMode
    {
        /// <summary>One listener forwarding to one server (or to one cluster node, with redirects passed through).</summary>
        Standalone,

        /// <summary>
        /// One listener per cluster node; node addresses in topology replies and redirects are rewritten to
        /// the local listeners, so a cluster-aware client stays inside the tunnel.
        /// </summary>
        Pinned,

        /// <summary>
        /// One listener that presents the whole cluster as one standalone server: every command is parsed
        /// and routed by a shared cluster client, so clients need no cluster support and never see a redirect.
        /// </summary>
        Smart,
    }
}
