using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Connections;

namespace RedisCluster.Engine.Administration
{
    /// <summary>Promotes a replica with CLUSTER FAILOVER and waits until the cluster shows it as the primary.</summary>
    public sealed class Failover : IDisposable
    {
        private const string Activity = "Failing over to a replica";
        private readonly AdministrationContext _context;
        private readonly ClusterMembership _cluster;
        private readonly FailoverMode _mode;

        private Failover(AdministrationContext context, ClusterMembership cluster, ClusterNode replica, ClusterNode? primary, FailoverMode mode)
        {
            _context = context;
            _cluster = cluster;
            Replica = replica;
            Primary = primary;
            _mode = mode;
        }

        public ClusterNode Replica { get; }

        /// <summary>The primary the replica copies now; null when the replica's view no longer lists it.</summary>
        public ClusterNode? Primary { get; }

        /// <summary>Checks that the endpoint is a replica and finds its primary; changes nothing.</summary>
        public static async Task<Failover> PrepareAsync(RedisEndpoint replica, FailoverMode mode, AdministrationContext context, CancellationToken cancellationToken)
        {
            ClusterMembership cluster = await ClusterMembership.ReadAsync(replica, context, cancellationToken, requireAll: false).ConfigureAwait(false);
            try
            {
                ClusterNode myself = cluster.Nodes.First(n => n.IsMyself);
                if (!myself.IsReplica)
                {
                    throw new AdministrationException(AdministrationFailure.InvalidState, replica.ToString(),
                        "Node " + replica + " is a primary already" + (myself.Slots.Count > 0 ? " (of slots " + SlotRanges.Format(SlotRanges.Normalize(myself.Slots)) + ")" : string.Empty)
                        + "; give the endpoint of one of its replicas to fail over to.");
                }

                return new Failover(context, cluster, myself, cluster.Nodes.FirstOrDefault(n => n.Id == myself.PrimaryId), mode);
            }
            catch
            {
                cluster.Dispose();
                throw;
            }
        }

        public override string ToString()
            => "Fail over from " + (Primary?.Endpoint?.ToString() ?? Replica.PrimaryId) + " to its replica " + Replica.Endpoint
                + (_mode == FailoverMode.Default ? string.Empty : " (" + _mode.ToString().ToUpperInvariant() + ")");

        /// <summary>Runs CLUSTER FAILOVER and returns the new primary once every reachable node shows it with the slots.</summary>
        public async Task<ClusterNode> RunAsync(CancellationToken cancellationToken)
        {
            NodeSession replica = _cluster.Sessions[0];
            var arguments = new List<string> { "CLUSTER", "FAILOVER" };
            if (_mode != FailoverMode.Default)
            {
                arguments.Add(_mode.ToString().ToUpperInvariant());
            }

            _context.Report(Activity, ToString() + ".", 10);
            await replica.RunAsync(cancellationToken, arguments.ToArray()).ConfigureAwait(false);
            IReadOnlyList<SlotRange> slots = SlotRanges.Normalize(Primary?.Slots ?? Array.Empty<SlotRange>());
            await _context.WaitUntilAsync(Activity, "every reachable node shows " + replica.Endpoint + " as the primary of " + SlotRanges.Format(slots),
                ct => PromotionProblemsAsync(slots, ct), cancellationToken).ConfigureAwait(false);
            return (await replica.ClusterNodesAsync(cancellationToken).ConfigureAwait(false)).First(n => n.IsMyself);
        }

        private async Task<IReadOnlyList<string>> PromotionProblemsAsync(IReadOnlyList<SlotRange> slots, CancellationToken cancellationToken)
        {
            var problems = new List<string>();
            foreach (NodeSession session in _cluster.Sessions)
            {
                ClusterNode? seen = (await session.ClusterNodesAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(n => n.Id == Replica.Id);
                if (seen == null || !seen.IsPrimary || !SlotRanges.Normalize(seen.Slots).SequenceEqual(slots))
                {
                    problems.Add(session.Endpoint + " does not show " + Replica.Endpoint + " as the primary of " + SlotRanges.Format(slots) + " yet");
                }
            }

            return problems;
        }

        public void Dispose() => _cluster.Dispose();
    }
}
