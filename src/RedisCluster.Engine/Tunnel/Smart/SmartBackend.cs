using System;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Connections.EventLoop;
using RedisCluster.Engine.Routing;
using RedisCluster.Engine.Tunnel.Hosting;
using RedisCluster.Engine.Tunnel.Smart.Tracking;

namespace RedisCluster.Engine.Tunnel.Smart
{
    /// <summary>
    /// What every smart-mode client shares: one cluster client (its pooled, pipelined node connections are
    /// the multiplexing, so a thousand clients do not mean a thousand TLS sessions per node) and the
    /// connector for the few dedicated connections that stateful commands need.
    /// </summary>
    internal sealed class SmartBackend : IDisposable
    {
        private long _nextClientId;

        private readonly BatchCoalescer<DecidedCommand> _batches;

        public SmartBackend(ClusterRedisClient cluster, TransportConnector connector, SmartRelayLinks links, TunnelContext context)
        {
            Cluster = cluster;
            Connector = connector;
            Links = links;
            _batches = new BatchCoalescer<DecidedCommand>(cluster.ExecuteDecidedAsync);
            Busy = new SmartBusyNodes(this, context.Log);
            Tracking = new SmartTracking(this, context);
            BlockingOrder = new SmartBlockingOrder(this);
        }

        /// <summary>
        /// Runs one client's commands, merged with other clients' into shared batches under load; a command whose
        /// route the session decided goes with it, and the router takes that route.
        /// </summary>
        public System.Threading.Tasks.Task<System.Collections.Generic.IReadOnlyList<Commands.RedisReply>> ExecuteAsync(
            System.Collections.Generic.IReadOnlyList<DecidedCommand> commands, CancellationToken cancellationToken)
            => _batches.ExecuteAsync(commands, cancellationToken);

        public ClusterRedisClient Cluster { get; }

        /// <summary>The applications connected in smart mode, as CLIENT LIST and CLIENT KILL see them.</summary>
        public SmartClientRegistry Clients { get; } = new SmartClientRegistry();

        /// <summary>The scripts EVAL has loaded on every primary, so that the cluster has one script cache.</summary>
        public SmartScriptCache Scripts { get; } = new SmartScriptCache();

        /// <summary>Whether a primary is busy with a script, for answering as one busy server.</summary>
        public SmartBusyNodes Busy { get; }

        /// <summary>CLIENT TRACKING for the applications: the tracking table, the invalidation feeds, the deliveries.</summary>
        public SmartTracking Tracking { get; }

        /// <summary>Keeps a new client's first commands in their place among other clients' commands.</summary>
        public SmartArrivals Arrivals { get; } = new SmartArrivals();

        /// <summary>Keeps blocking commands in their place among other clients' commands.</summary>
        public SmartBlockingOrder BlockingOrder { get; }

        /// <summary>
        /// What must reach the nodes before <paramref name="self"/>'s next commands: newcomers' first commands that arrived
        /// before them, then other clients' blocking commands in transit. Before a write (<see cref="SmartWaitPoint.OwnConnectionWrite"/>
        /// and up), newcomers still in the listener's backlog are taken too, and before a write on a shared connection
        /// (<see cref="SmartWaitPoint.SharedWrite"/>), first the other event loops catch up while the applications use blocking
        /// commands (<see cref="SmartBlockingOrder.InUse"/>), so that a connected client's blocking command they are hearing at
        /// this moment is in transit. Before every batch, so without an async frame when nothing waits.
        /// </summary>
        public Task WaitForEarlierAsync(SmartSessionState self, SmartWaitPoint point)
        {
            if (point == SmartWaitPoint.SharedWrite && BlockingOrder.InUse)
            {
                Task others = SocketEventLoops.OthersCaughtUpAsync(self.Loop);
                if (others.Status != TaskStatus.RanToCompletion)
                {
                    return AfterOtherLoopsAsync(others, self);
                }
            }

            CancellationToken cancellationToken = self.Abort.Token;
            Task arrivals = point == SmartWaitPoint.BatchStart
                ? Arrivals.WaitForEarlierAsync(self.Arrival, cancellationToken)
                : Arrivals.WaitForBackloggedAsync(self.Arrival, cancellationToken);
            return arrivals.Status == TaskStatus.RanToCompletion
                ? BlockingOrder.WaitTurnAsync(cancellationToken)
                : ThenBlockingTurnAsync(arrivals, cancellationToken);
        }

        private async Task AfterOtherLoopsAsync(Task others, SmartSessionState self)
        {
            await others.ConfigureAwait(false);
            await WaitForEarlierAsync(self, SmartWaitPoint.OwnConnectionWrite).ConfigureAwait(false);
        }

        private async Task ThenBlockingTurnAsync(Task arrivals, CancellationToken cancellationToken)
        {
            await arrivals.ConfigureAwait(false);
            await BlockingOrder.WaitTurnAsync(cancellationToken).ConfigureAwait(false);
        }

        /// <summary>The connections that single-slot commands are relayed over.</summary>
        public SmartRelayLinks Links { get; }

        /// <summary>Opens dedicated connections (blocking commands) with the tunnel's TLS and credentials.</summary>
        public TransportConnector Connector { get; }

        /// <summary>The server version clients are told in HELLO: the seed node's.</summary>
        public string Version => Cluster.Hello.Version;

        /// <summary>Client ids are the tunnel's own: upstream ids belong to shared connections and mean nothing to a client.</summary>
        public long NextClientId() => Interlocked.Increment(ref _nextClientId);

        /// <summary>The primary now serving <paramref name="slot"/>, or null while the slot is uncovered.</summary>
        public RedisEndpoint? OwnerOf(int slot) => Cluster.Topology.GetPrimaryForSlot(slot)?.Endpoint;

        /// <summary>The router's and the relay's connections open now (not the clients' own).</summary>
        public long OpenSharedConnections() => Cluster.OpenConnections + Links.OpenCount + Tracking.OpenFeeds;

        public void Dispose()
        {
            Busy.Dispose();
            Tracking.Dispose();
            Links.Dispose();
            Cluster.Dispose();
        }
    }
}
