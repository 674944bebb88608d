namespace RedisCluster.Engine.Tunnel.Pinned
{
    /// <summary>One line of CLUSTER NODES, reduced to what the tunnel needs.</summary>
    internal sealed class ClusterNodeEntry
    {
        public ClusterNodeEntry(string id, string host, int port, string? hostname, string flags)
        {
            Id = id;
            Host = host;
            Port = port;
            Hostname = hostname;
            Flags = flags;
        }

        public string Id { get; }

        /// <summary>The announced address (empty when the node has none yet).</summary>
        public string Host { get; }

        /// <summary>The client port as the asking connection sees it (the TLS port over TLS).</summary>
        public int Port { get; }

        public string? Hostname { get; }

        public string Flags { get; }

        public bool IsPrimary => HasFlag("master");

        public bool IsReplica => HasFlag("slave") || HasFlag("replica");

        /// <summary>No usable address: a node in handshake or without one.</summary>
        public bool IsUnreachable => Host.Length == 0 || Port == 0 || HasFlag("noaddr") || HasFlag("handshake");

        public string Role => IsPrimary ? "primary" : IsReplica ? "replica" : "node";

        private bool HasFlag(string flag)
        {
            foreach (string f in Flags.Split(','))
            {
                if (f == flag)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
