namespace RedisCluster.Engine.Tunnel.Smart
{
    /// <summary>What INFO through the smart tunnel says about the application's own connections: the tunnel's figures, not the nodes'.</summary>
    internal sealed class SmartServerFacts
    {
        public SmartServerFacts(int listenPort, long connectedClients, long totalConnections, long rejectedConnections, long maxClients)
        {
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
    }
}
