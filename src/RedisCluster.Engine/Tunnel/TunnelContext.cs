using RedisCluster.Engine.Connections;

namespace RedisCluster.Engine.Tunnel
{
    /// <summary>What every listener and connection of one tunnel shares.</summary>
    internal sealed class TunnelContext
    {
        public TunnelContext(TunnelOptions options, UpstreamOpener opener, TunnelStatistics statistics, IRedisLog log, ITunnelAddressMap? map)
        {
            Options = options;
            Opener = opener;
            Statistics = statistics;
            Log = log;
            Map = map;
        }

        public TunnelOptions Options { get; }

        public UpstreamOpener Opener { get; }

        public TunnelStatistics Statistics { get; }

        public IRedisLog Log { get; }

        /// <summary>Null in standalone mode: replies are relayed without rewriting.</summary>
        public ITunnelAddressMap? Map { get; }

        /// <summary>Local password and deny list for the clients; null when the tunnel has neither.</summary>
        public TunnelAccessPolicy? Access { get; set; }

        /// <summary>A new client's standing with <see cref="Access"/>; null when every client may do everything.</summary>
        public TunnelClientGate? NewGate() => Access == null ? null : new TunnelClientGate(Access);

        /// <summary>Smart mode: the cluster client every client's commands run through; null in the other modes.</summary>
        public SmartBackend? Smart { get; set; }

        public ConnectionOptions Connection => Options.Connection;
    }
}
