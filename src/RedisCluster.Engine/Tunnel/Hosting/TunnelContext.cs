using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Tunnel.Relay;
using RedisCluster.Engine.Tunnel.Smart;

namespace RedisCluster.Engine.Tunnel.Hosting
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
            long? descriptors = DescriptorLimit.Current();
            int safe = ClientAdmission.DefaultMaximum(descriptors);
            Admission = new ClientAdmission(options.MaxClients ?? safe);
            if (descriptors != null && Admission.Maximum > safe)
            {
                log.Warning("Tunnel: -MaxClients " + Admission.Maximum + " is more than the descriptor limit (ulimit -n " + descriptors
                    + ") serves safely (" + safe + "); if the process runs out of descriptors the runtime ends it. Raise ulimit -n instead.");
            }
            QueryBuffers = new QueryBufferBudget(options.TotalQueryBufferLimit);
        }

        /// <summary>How many clients all listeners of the tunnel together may have (Redis's maxclients).</summary>
        public ClientAdmission Admission { get; }

        /// <summary>Gives the memory of departed clients back when many leave.</summary>
        public ClientDepartures Departures { get; } = new ClientDepartures(MemoryReclaim.Request);

        /// <summary>What the smart-mode clients together hold of commands not yet run.</summary>
        public QueryBufferBudget QueryBuffers { get; }

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
