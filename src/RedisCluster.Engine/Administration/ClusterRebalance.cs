using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Connections;

namespace RedisCluster.Engine.Administration
{
    /// <summary>
    /// Spreads the slots over the primaries by weight (redis-cli --cluster rebalance): the request and the
    /// cluster are checked and the plan made before the first slot changes, then the moves run one after
    /// another on the slot mover.
    /// </summary>
    public sealed class ClusterRebalance : IDisposable
    {
        private const string Activity = "Rebalancing the cluster";
        private readonly AdministrationContext _context;
        private readonly ClusterMembership _cluster;
        private readonly SlotMoveOptions _options;

        private ClusterRebalance(AdministrationContext context, ClusterMembership cluster, SlotMoveOptions options, List<RebalancePrimary> primaries, List<RebalanceMove> moves, bool needed)
        {
            _context = context;
            _cluster = cluster;
            _options = options;
            Primaries = primaries;
            Moves = moves;
            IsNeeded = needed;
        }

        /// <summary>Every primary with its weight and its slot count before and after the plan.</summary>
        public IReadOnlyList<RebalancePrimary> Primaries { get; }

        /// <summary>The planned moves, in the order they run.</summary>
        public IReadOnlyList<RebalanceMove> Moves { get; }

        /// <summary>False when every primary is within the threshold of its share (then nothing moves).</summary>
        public bool IsNeeded { get; }

        /// <param name="member">Any member to read the cluster from (redis-cli weighs its nodes in this node's order).</param>
        public static async Task<ClusterRebalance> PrepareAsync(RedisEndpoint member, RebalanceRequest request, SlotMoveOptions options,
            AdministrationContext context, CancellationToken cancellationToken)
        {
            ClusterMembership cluster = await ClusterMembership.ReadAsync(member, context, cancellationToken, requireAll: false).ConfigureAwait(false);
            try
            {
                Dictionary<string, double> weights = ResolveWeights(cluster, request);
                ClusterCheckResult check = await ClusterChecker.CheckAsync(new[] { member }, context, cancellationToken).ConfigureAwait(false);
                var blocking = check.UncoveredSlots.Count > 0 || check.OpenSlots.Count > 0 || check.ConfigurationConflicts.Count > 0 || check.FailedNodes.Count > 0;
                if (blocking)
                {
                    throw new AdministrationException(AdministrationFailure.InvalidState, check.Endpoint,
                        "The cluster has problems to fix before it is rebalanced (Test-RedisCluster shows them, -Fix repairs open, unserved and uncovered slots): "
                        + string.Join("; ", check.Problems));
                }

                // redis-cli's order: the node asked first, then the others as it lists them; ties in the plan follow it.
                IReadOnlyList<ClusterNode> listed = await cluster.Sessions[0].ClusterNodesAsync(cancellationToken).ConfigureAwait(false);
                List<ClusterNode> primaries = listed.Where(n => n.IsMyself).Concat(listed.Where(n => !n.IsMyself))
                    .Select(n => cluster.Nodes.Single(c => c.Id == n.Id)).Where(n => n.IsPrimary).ToList();
                if (!primaries.Any(p => weights.TryGetValue(p.Id, out double w) ? w > 0 : request.UseEmptyPrimaries || p.Slots.Count > 0))
                {
                    throw new AdministrationException(AdministrationFailure.InvalidRequest, null, "Every primary that takes part has weight 0; at least one needs a weight above 0 to hold the slots.");
                }

                List<RebalanceMove> moves = RebalancePlanner.Plan(primaries, weights, request, out List<RebalancePrimary> balances, out bool needed);
                return new ClusterRebalance(context, cluster, options, balances, moves, needed);
            }
            catch
            {
                cluster.Dispose();
                throw;
            }
        }

        /// <summary>The plan as a result, nothing changed (-Simulate).</summary>
        public RebalanceResult Simulate() => new RebalanceResult(Primaries, Moves, simulated: true, TimeSpan.Zero);

        /// <summary>
        /// Runs <paramref name="moves"/> (the planned ones, or those of them a user confirmed) in order; Ctrl+C or a
        /// failure stops the slots under way where they are (open, which Test-RedisCluster -Fix finishes).
        /// </summary>
        public async Task<RebalanceResult> RunAsync(IReadOnlyList<RebalanceMove> moves, CancellationToken cancellationToken)
        {
            if (moves.Any(m => !Moves.Contains(m)))
            {
                throw new ArgumentException("Only moves of this plan can run.", nameof(moves));
            }

            var clock = Stopwatch.StartNew();
            var done = new List<RebalanceMove>();
            for (int i = 0; i < moves.Count; i++)
            {
                RebalanceMove move = moves[i];
                ClusterNode source = _cluster.Nodes.Single(n => n.Id == move.SourceId);
                ClusterNode destination = _cluster.Nodes.Single(n => n.Id == move.DestinationId);
                var runner = new SlotTransferRunner(_cluster, _context, _options, Activity + " (move " + (i + 1) + " of " + moves.Count + ")");
                var moveClock = Stopwatch.StartNew();
                IReadOnlyDictionary<int, long> keys = await runner.RunAsync(move.SlotNumbers.Select(s => new SlotTransfer(s, source, destination)).ToList(), cancellationToken).ConfigureAwait(false);
                done.Add(move.Done(keys.Values.Sum(), moveClock.Elapsed));
            }

            // The counts after the moves that ran (the plan's, unless a user declined some).
            List<RebalancePrimary> after = Primaries.Select(p => new RebalancePrimary(p.Endpoint, p.Id, p.Weight, p.TakesPart, p.SlotsBefore,
                p.SlotsBefore - done.Where(m => m.SourceId == p.Id).Sum(m => m.SlotCount) + done.Where(m => m.DestinationId == p.Id).Sum(m => m.SlotCount))).ToList();
            return new RebalanceResult(after, done, simulated: false, clock.Elapsed);
        }

        public override string ToString()
            => IsNeeded
                ? "Move " + Moves.Sum(m => m.SlotCount) + " slot(s) in " + Moves.Count + " move(s): " + string.Join("; ", Moves)
                : "Nothing to move: every primary is within the threshold of its share.";

        public void Dispose() => _cluster.Dispose();

        /// <summary>Each weight's node, checked: known, a primary, not named twice, a finite weight of 0 or more, empty only with UseEmptyPrimaries.</summary>
        private static Dictionary<string, double> ResolveWeights(ClusterMembership cluster, RebalanceRequest request)
        {
            var weights = new Dictionary<string, double>();
            foreach (KeyValuePair<string, double> given in request.Weights)
            {
                ClusterNode node = cluster.Find(given.Key);
                string name = node.Endpoint?.ToString() ?? node.Id;
                if (double.IsNaN(given.Value) || double.IsInfinity(given.Value) || given.Value < 0)
                {
                    throw new AdministrationException(AdministrationFailure.InvalidRequest, given.Key,
                        "The weight of " + given.Key + " is " + given.Value + "; weights are numbers of 0 or more (0 empties the primary).");
                }

                if (!node.IsPrimary)
                {
                    throw new AdministrationException(AdministrationFailure.InvalidRequest, name,
                        "Node " + name + " is a replica; only primaries hold slots, so only they take a weight.");
                }

                if (weights.ContainsKey(node.Id))
                {
                    throw new AdministrationException(AdministrationFailure.InvalidRequest, name, "Node " + name + " is given a weight twice (as " + given.Key + " and once more).");
                }

                if (node.Slots.Count == 0 && given.Value > 0 && !request.UseEmptyPrimaries)
                {
                    throw new AdministrationException(AdministrationFailure.InvalidRequest, name,
                        "Primary " + name + " has no slots, so it takes no part without -UseEmptyPrimaries; give that switch to let it take its share.");
                }

                weights[node.Id] = given.Value;
            }

            return weights;
        }
    }
}
