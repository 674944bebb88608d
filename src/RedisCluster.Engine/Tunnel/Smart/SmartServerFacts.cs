namespace RedisCluster.Engine.Tunnel.Smart
{
    /// <summary>What INFO through the smart tunnel says about the application's own connections: the tunnel's figures, not the nodes'.</summary>
    internal sealed class SmartServerFacts
    {
        public SmartServerFacts(int listenPort, long connectedClients, long totalConnections, long rejectedConnections, long maxClients, Tracking.TrackingFigures tracking)
        {
            Tracking = tracking;
            ListenPort = listenPort;
            ConnectedClients = connectedClients;
            TotalConnections = totalConnections;
            RejectedConnections = rejectedConnections;
            MaxClients = maxClients;
        }

        /// <summary>The port the client connected to (INFO's tcp_port).</summary>
        public int ListenPort { get; }

        public long ConnectedClients { get; }

        public long TotalConnections { get; }

        public long RejectedConnections { get; }

        public long MaxClients { get; }

        /// <summary>The tunnel's tracking table, which INFO's tracking fields describe.</summary>
        public Tracking.TrackingFigures Tracking { get; }
    }
}
