using System.Collections.Generic;
using RedisCluster.Engine.Cluster;

namespace RedisCluster.Engine.Administration
{
    /// <summary>What every node of the cluster should say about one node once a change has spread. Immutable.</summary>
    public sealed class ExpectedNode
    {
        public ExpectedNode(string id, string endpoint, string? primaryId, IEnumerable<SlotRange> slots)
        {
            Id = id;
            Endpoint = endpoint;
            PrimaryId = primaryId;
            Slots = SlotRanges.Normalize(slots);
        }

        public string Id { get; }

        /// <summary>For messages: where the node is.</summary>
        public string Endpoint { get; }

        /// <summary>The primary a replica copies; null for a primary.</summary>
        public string? PrimaryId { get; }

        public IReadOnlyList<SlotRange> Slots { get; }

        public bool IsPrimary => PrimaryId == null;

        /// <summary>What the cluster looks like now, as the expectation that nothing changes.</summary>
        public static List<ExpectedNode> FromTopology(IEnumerable<ClusterNode> nodes)
        {
            var result = new List<ExpectedNode>();
            foreach (ClusterNode node in nodes)
            {
                result.Add(new ExpectedNode(node.Id, node.Endpoint?.ToString() ?? node.Id, node.IsReplica ? node.PrimaryId : null, node.Slots));
            }

            return result;
        }
    }
}
