using System.Collections.Generic;
using System.Linq;
using RedisCluster.Engine.Cluster;

namespace RedisCluster.Engine.Administration
{
    /// <summary>Orders nodes as a user reads a cluster.</summary>
    public static class ShardOrder
    {
        /// <summary>The primaries in slot order, each followed by its replicas: how a user reads a cluster.</summary>
        public static IReadOnlyList<ClusterNode> Sort(IEnumerable<ClusterNode> nodes)
        {
            var topology = new ClusterTopology(nodes);
            var ordered = new List<ClusterNode>();
            foreach (ClusterNode primary in topology.Primaries.OrderBy(p => p.Slots.Count == 0 ? SlotRange.SlotCount : p.Slots.Min(r => r.Start)))
            {
                ordered.Add(primary);
                ordered.AddRange(topology.GetReplicasOf(primary.Id));
            }

            ordered.AddRange(topology.Replicas.Where(r => !ordered.Contains(r)));
            return ordered;
        }
    }
}
