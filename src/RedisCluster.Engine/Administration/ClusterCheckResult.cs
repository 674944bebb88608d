using System;
using System.Collections.Generic;
using System.Linq;
using RedisCluster.Engine.Cluster;

namespace RedisCluster.Engine.Administration
{
    /// <summary>What redis-cli --cluster check reports, as one object. Immutable.</summary>
    public sealed class ClusterCheckResult
    {
        public ClusterCheckResult(
            string endpoint,
            IReadOnlyList<ClusterNode> nodes,
            IReadOnlyList<SlotRange> uncoveredSlots,
            IReadOnlyList<SlotRange> unservedSlots,
            IReadOnlyList<OpenSlot> openSlots,
            IReadOnlyList<NodeProblem> nodeProblems)
        {
            // Readable lists, so that a CSV cell or a string shows the items, not the list's type name.
            Endpoint = endpoint;
            Nodes = new ReadableList<ClusterNode>(nodes, "; ");
            UncoveredSlots = new ReadableList<SlotRange>(uncoveredSlots, ",");
            CoveredSlotCount = SlotRange.SlotCount - uncoveredSlots.Sum(r => r.Count);
            UnservedSlots = new ReadableList<SlotRange>(unservedSlots, ",");
            OpenSlots = new ReadableList<OpenSlot>(openSlots, "; ");
            NodeProblems = new ReadableList<NodeProblem>(nodeProblems, "; ");
            Checked = DateTimeOffset.Now;
        }

        /// <summary>The node whose view of the cluster the check started from.</summary>
        public string Endpoint { get; }

        public DateTimeOffset Checked { get; }

        /// <summary>True when every slot is covered and served, none is open, and no node has a problem.</summary>
        public bool IsHealthy => UncoveredSlots.Count == 0 && UnservedSlots.Count == 0 && OpenSlots.Count == 0 && NodeProblems.Count == 0;

        /// <summary>The nodes as the first node sees them, each primary followed by its replicas.</summary>
        public IReadOnlyList<ClusterNode> Nodes { get; }

        public int PrimaryCount => Nodes.Count(n => n.IsPrimary);

        public int ReplicaCount => Nodes.Count(n => n.IsReplica);

        /// <summary>How many of the 16384 slots some primary owns.</summary>
        public int CoveredSlotCount { get; }

        public IReadOnlyList<SlotRange> UncoveredSlots { get; }

        /// <summary>
        /// Slots that the first node's view gives to a primary but that no primary serves by its own view: each
        /// primary believes another owns them, so clients that follow MOVED go round in a loop. Gossip does not mend
        /// it (nobody claims the slots); Test-RedisCluster -Fix does. Empty when a primary could not be asked.
        /// </summary>
        public IReadOnlyList<SlotRange> UnservedSlots { get; }

        public IReadOnlyList<OpenSlot> OpenSlots { get; }

        /// <summary>Every node problem found: unreachable, failed, cluster_state not ok, link down, slot map differs.</summary>
        public IReadOnlyList<NodeProblem> NodeProblems { get; }

        /// <summary>Nodes that are unreachable, flagged failed or suspected, or whose cluster_state is not ok.</summary>
        public IReadOnlyList<NodeProblem> FailedNodes => Of(NodeProblemKind.Unreachable, NodeProblemKind.Failed, NodeProblemKind.FailureSuspected, NodeProblemKind.ClusterStateNotOk);

        /// <summary>Replicas whose link to their primary is not up.</summary>
        public IReadOnlyList<NodeProblem> UnlinkedReplicas => Of(NodeProblemKind.ReplicaLinkDown);

        /// <summary>Nodes whose slot map differs from that of the first node.</summary>
        public IReadOnlyList<NodeProblem> ConfigurationConflicts => Of(NodeProblemKind.ConfigurationDiffers);

        /// <summary>One line per problem, for people and logs.</summary>
        public IReadOnlyList<string> Problems
        {
            get
            {
                var lines = new List<string>();
                if (UncoveredSlots.Count > 0)
                {
                    lines.Add("Not all 16384 slots are covered: " + (SlotRange.SlotCount - CoveredSlotCount) + " have no owner (" + SlotRanges.Format(UncoveredSlots) + ").");
                }

                if (UnservedSlots.Count > 0)
                {
                    lines.Add("No primary serves " + UnservedSlots.Sum(r => r.Count) + " slot(s) (" + SlotRanges.Format(UnservedSlots)
                        + "): each primary's own view gives them to another, so clients are sent round in a loop.");
                }

                lines.AddRange(OpenSlots.Select(s => "Open " + s + "."));
                lines.AddRange(NodeProblems.Select(p => p.ToString().TrimEnd('.') + "."));
                return new ReadableList<string>(lines, " ");
            }
        }

        public override string ToString()
            => IsHealthy ? "Healthy: " + Nodes.Count + " nodes, all 16384 slots covered" : string.Join(" ", Problems);

        private ReadableList<NodeProblem> Of(params NodeProblemKind[] kinds) => new ReadableList<NodeProblem>(NodeProblems.Where(p => kinds.Contains(p.Kind)), "; ");
    }
}
