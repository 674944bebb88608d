namespace RedisCluster.Engine.Tunnel.Smart.Tracking
{
    /// <summary>INFO's tracking fields for the one server the smart tunnel presents: its own table, not the nodes'.</summary>
    internal sealed class TrackingFigures
    {
        public TrackingFigures(long clients, long keys, long items, long prefixes)
        {
            Clients = clients;
            Keys = keys;
            Items = items;
            Prefixes = prefixes;
        }

        /// <summary>tracking_clients.</summary>
        public long Clients { get; }

        /// <summary>tracking_total_keys.</summary>
        public long Keys { get; }

        /// <summary>tracking_total_items.</summary>
        public long Items { get; }

        /// <summary>tracking_total_prefixes.</summary>
        public long Prefixes { get; }
    }
}
