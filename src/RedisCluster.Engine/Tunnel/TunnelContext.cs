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
            Admission = new ClientAdmission(options.MaxClients ?? ClientAdmission.DefaultMaximum(DescriptorLimit.Current()));
            QueryBuffers = new QueryBufferBudget(options.TotalQueryBufferLimit);
        }

        /// <summary>How many clients all listeners of the tunnel together may have (Redis's maxclients).</summary>
        public ClientAdmission Admission { get; }

        /// <summary>What the smart-mode clients together hold of commands not yet run.</summary>
        public QueryBufferBudget QueryBuffers { get; }

        public TunnelOptions Options { get; }

        public UpstreamOpener Opener { get; }

        public TunnelStatistics Statistics { get; }

        public IRedisLog Log { get; }

        /// <summary>Null in standalone mode: replies are relayed without rewriting.</summary>
        public ITunnelAddressMap? Map { get; }

        /// <summary>Smart mode: the cluster client every client's commands run through; null in the other modes.</summary>
        public SmartBackend? Smart { get; set; }

        public ConnectionOptions Connection => Options.Connection;
    }
}
