using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Connections;

namespace RedisCluster.Engine.Administration
{
    /// <summary>
    /// Moves slots to one primary (redis-cli --cluster reshard with an explicit slot list): every check
    /// is made before the first slot changes, then the slots move one after another, each from the
    /// primary that owns it.
    /// </summary>
    public sealed class SlotMigration : IDisposable
    {
        private const string Activity = "Moving slots";
        private readonly AdministrationContext _context;
        private readonly ClusterMembership _cluster;
        private readonly SlotMoveOptions _options;
        private readonly List<(int Slot, ClusterNode Source)> _moves;

        private SlotMigration(AdministrationContext context, ClusterMembership cluster, SlotMoveOptions options, ClusterNode destination, List<(int, ClusterNode)> moves, int alreadyThere)
        {
            _context = context;
            _cluster = cluster;
            _options = options;
            Destination = destination;
            _moves = moves;
            AlreadyThere = alreadyThere;
        }

        public ClusterNode Destination { get; }

        /// <summary>How many of the slots asked for the destination owns already (they are left alone).</summary>
        public int AlreadyThere { get; }

        public int SlotCount => _moves.Count;

        /// <param name="member">Any member to read the cluster from.</param>
        /// <param name="slots">The slots, each once (see <see cref="SlotList.Parse"/>).</param>
        /// <param name="destination">The destination primary's id, a unique id prefix, or its endpoint.</param>
        public static async Task<SlotMigration> PrepareAsync(RedisEndpoint member, IReadOnlyList<int> slots, string destination, SlotMoveOptions options,
            AdministrationContext context, CancellationToken cancellationToken)
        {
            ClusterMembership cluster = await ClusterMembership.ReadAsync(member, context, cancellationToken, requireAll: false).ConfigureAwait(false);
            try
            {
                ClusterNode target = cluster.Find(destination);
                string name = target.Endpoint?.ToString() ?? target.Id;
                if (!target.IsPrimary)
                {
                    ClusterNode? primary = cluster.Nodes.FirstOrDefault(n => n.Id == target.PrimaryId);
                    throw new AdministrationException(AdministrationFailure.InvalidRequest, name,
                        "Node " + name + " is a replica (of " + (primary?.Endpoint?.ToString() ?? target.PrimaryId) + "); slots can only move to a primary.");
                }

                var owners = new Dictionary<int, ClusterNode>();
                foreach (ClusterNode node in cluster.Nodes.Where(n => n.IsPrimary))
                {
                    foreach (SlotRange range in node.Slots)
                    {
                        for (int slot = range.Start; slot <= range.End; slot++)
                        {
                            owners[slot] = node;
                        }
                    }
                }

                int[] unowned = slots.Where(s => !owners.ContainsKey(s)).ToArray();
                if (unowned.Length > 0)
                {
                    throw new AdministrationException(AdministrationFailure.InvalidState, null,
                        unowned.Length + " of the slots have no owner (" + SlotRanges.Format(SlotRanges.Of(unowned))
                        + "); Test-RedisCluster -Fix assigns uncovered slots.");
                }

                var moves = slots.Where(s => owners[s].Id != target.Id).Select(s => (s, owners[s])).ToList();
                foreach (ClusterNode source in moves.Select(m => m.Item2).Distinct().Append(target))
                {
                    if (cluster.SessionOf(source) == null)
                    {
                        throw new AdministrationException(AdministrationFailure.NodeUnreachable, source.Endpoint?.ToString() ?? source.Id,
                            "Primary " + (source.Endpoint?.ToString() ?? source.Id) + " cannot be reached; its slots cannot move while it is down.");
                    }
                }

                var asked = new HashSet<int>(slots);
                foreach (NodeSession session in cluster.Sessions)
                {
                    string text = await session.ClusterNodesTextAsync(cancellationToken).ConfigureAwait(false);
                    OpenSlot? open = ClusterChecker.OpenSlotsOf(text, string.Empty, session.Endpoint.ToString(), session.Endpoint).FirstOrDefault(o => asked.Contains(o.Slot));
                    if (open != null)
                    {
                        throw new AdministrationException(AdministrationFailure.InvalidState, session.Endpoint.ToString(),
                            "Slot " + open.Slot + " is already open (" + open + "); run Test-RedisCluster -Fix to finish or close that migration first.");
                    }
                }

                return new SlotMigration(context, cluster, options, target, moves, slots.Count - moves.Count);
            }
            catch
            {
                cluster.Dispose();
                throw;
            }
        }

        public override string ToString()
        {
            IEnumerable<string> sources = _moves.GroupBy(m => m.Source.Id).Select(g => g.Count() + " from " + (g.First().Source.Endpoint?.ToString() ?? g.Key));
            return "Move " + SlotCount + " slot(s) (" + SlotRanges.Format(SlotRanges.Normalize(_moves.Select(m => new SlotRange(m.Slot, m.Slot)))) + ": "
                + string.Join(", ", sources) + ") to " + (Destination.Endpoint?.ToString() ?? Destination.Id);
        }

        /// <summary>
        /// Moves the slots, a group at a time (<see cref="SlotMoveOptions.SlotsAtOnce"/>); Ctrl+C or a failure stops
        /// the group under way where it is (open, which Test-RedisCluster -Fix finishes) and starts no other.
        /// </summary>
        public async Task<SlotMoveResult> RunAsync(CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            IReadOnlyDictionary<int, long> moved = await new SlotTransferRunner(_cluster, _context, _options, Activity)
                .RunAsync(_moves.Select(m => new SlotTransfer(m.Slot, m.Source, Destination)).ToList(), cancellationToken).ConfigureAwait(false);
            return new SlotMoveResult(Destination.Endpoint?.ToString() ?? Destination.Id, Destination.Id, moved.Keys.OrderBy(s => s).ToList(), moved.Values.Sum(), clock.Elapsed);
        }

        public void Dispose() => _cluster.Dispose();
    }
}
