using System;
using System.Collections.Generic;
using System.Linq;
using RedisCluster.Engine.Cluster;

namespace RedisCluster.Engine.Administration
{
    /// <summary>
    /// Which nodes become primaries (with which slots) and which replicate whom. Primaries are picked
    /// round-robin over the hosts and replicas placed on another host than their primary where the
    /// hosts allow, as redis-cli does, so one lost machine does not take a primary and its replica.
    /// </summary>
    public sealed class ClusterCreationPlan
    {
        /// <summary>redis-cli's minimum: with fewer primaries a majority cannot survive one failure.</summary>
        public const int MinimumPrimaries = 3;

        private ClusterCreationPlan(List<PlannedNode> primaries, List<PlannedNode> replicas)
        {
            Primaries = primaries;
            Replicas = replicas;
            var all = new List<PlannedNode>(primaries);
            all.AddRange(replicas);
            Nodes = all;
        }

        public IReadOnlyList<PlannedNode> Primaries { get; }

        public IReadOnlyList<PlannedNode> Replicas { get; }

        /// <summary>Primaries first, then replicas.</summary>
        public IReadOnlyList<PlannedNode> Nodes { get; }

        /// <summary>How many nodes are needed for this many replicas per primary.</summary>
        public static int NodesNeeded(int replicasPerPrimary) => MinimumPrimaries * (replicasPerPrimary + 1);

        /// <summary>Throws <see cref="AdministrationFailure.InvalidRequest"/> when the nodes are too few for the replicas asked for.</summary>
        public static void CheckNodeCount(int nodes, int replicasPerPrimary)
        {
            if (nodes / (replicasPerPrimary + 1) < MinimumPrimaries)
            {
                throw new AdministrationException(AdministrationFailure.InvalidRequest, null,
                    "A cluster with " + replicasPerPrimary + " replica(s) per primary needs at least " + NodesNeeded(replicasPerPrimary)
                    + " nodes (" + MinimumPrimaries + " primaries); " + nodes + " were given.");
            }
        }

        internal static ClusterCreationPlan Build(IReadOnlyList<(NodeSession Session, string Id, string Ip, int BusPort)> nodes, int replicasPerPrimary)
        {
            CheckNodeCount(nodes.Count, replicasPerPrimary);
            int primaryCount = nodes.Count / (replicasPerPrimary + 1);

            var remaining = Interleave(nodes);
            IReadOnlyList<SlotRange> ranges = SlotAllocator.Split(primaryCount);
            var primaries = new List<PlannedNode>();
            for (int i = 0; i < primaryCount; i++)
            {
                var n = remaining[0];
                remaining.RemoveAt(0);
                primaries.Add(new PlannedNode(n.Session, n.Id, n.Ip, n.BusPort, ranges[i], null));
            }

            // Every primary gets its replicas in turn; nodes left over then go to the primaries with the fewest.
            var replicas = new List<PlannedNode>();
            var counts = primaries.ToDictionary(p => p, _ => 0);
            while (remaining.Count > 0)
            {
                PlannedNode primary = primaries.OrderBy(p => counts[p]).ThenBy(p => primaries.IndexOf(p)).First();
                int pick = remaining.FindIndex(r => !SameHost(r.Session, primary.Session));
                var n = remaining[pick < 0 ? 0 : pick];
                remaining.Remove(n);
                replicas.Add(new PlannedNode(n.Session, n.Id, n.Ip, n.BusPort, null, primary));
                counts[primary]++;
            }

            return new ClusterCreationPlan(primaries, replicas);
        }

        public override string ToString()
            => Primaries.Count + " primaries and " + Replicas.Count + " replicas: " + string.Join("; ", Nodes);

        private static List<(NodeSession Session, string Id, string Ip, int BusPort)> Interleave(IReadOnlyList<(NodeSession Session, string Id, string Ip, int BusPort)> nodes)
        {
            var byHost = nodes.GroupBy(n => n.Session.Endpoint.Host, StringComparer.OrdinalIgnoreCase).Select(g => new Queue<(NodeSession, string, string, int)>(g)).ToList();
            var result = new List<(NodeSession Session, string Id, string Ip, int BusPort)>();
            while (result.Count < nodes.Count)
            {
                foreach (var queue in byHost)
                {
                    if (queue.Count > 0)
                    {
                        result.Add(queue.Dequeue());
                    }
                }
            }

            return result;
        }

        private static bool SameHost(NodeSession a, NodeSession b) => string.Equals(a.Endpoint.Host, b.Endpoint.Host, StringComparison.OrdinalIgnoreCase);
    }
}
