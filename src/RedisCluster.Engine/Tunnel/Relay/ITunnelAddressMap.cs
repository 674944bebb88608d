namespace RedisCluster.Engine.Tunnel.Relay
{
    /// <summary>Where the application must connect to reach a cluster node through the tunnel.</summary>
    internal interface ITunnelAddressMap
    {
        /// <summary>The host written into every rewritten address.</summary>
        string AnnounceHost { get; }

        /// <summary>True when the tunnel reaches the nodes over TLS (so replies name their TLS ports).</summary>
        bool UpstreamTls { get; }

        /// <summary>
        /// The local port that reaches the node at <paramref name="host"/>:<paramref name="port"/> (as the
        /// server named it; <paramref name="nodeId"/> when known). A node the tunnel has not seen yet gets a
        /// listener at once. False when the address cannot be served (no address, no free port).
        /// </summary>
        bool TryMap(string host, int port, string? nodeId, out int localPort);
    }
}
