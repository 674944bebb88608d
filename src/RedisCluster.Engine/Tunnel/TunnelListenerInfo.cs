using RedisCluster.Engine.Connections;

namespace RedisCluster.Engine.Tunnel
{
    /// <summary>One local listener of a tunnel and the server it forwards to (a snapshot).</summary>
    public sealed class TunnelListenerInfo
    {
        internal TunnelListenerInfo(string localEndpoint, int localPort, RedisEndpoint upstream, string? nodeId, string role, long clients)
        {
            LocalEndpoint = localEndpoint;
            LocalPort = localPort;
            Upstream = upstream;
            NodeId = nodeId;
            Role = role;
            Clients = clients;
        }

        /// <summary>Where applications connect, for example 127.0.0.1:6379.</summary>
        public string LocalEndpoint { get; }

        public int LocalPort { get; }

        /// <summary>The server or node this listener forwards to.</summary>
        public RedisEndpoint Upstream { get; }

        /// <summary>The cluster node id (pinned mode).</summary>
        public string? NodeId { get; }

        /// <summary>standalone, primary or replica (as last seen in the topology).</summary>
        public string Role { get; }

        /// <summary>Clients connected through this listener now.</summary>
        public long Clients { get; }

        public override string ToString() => LocalEndpoint + " -> " + Upstream + (Role == "standalone" ? string.Empty : " (" + Role + ")");
    }
}
