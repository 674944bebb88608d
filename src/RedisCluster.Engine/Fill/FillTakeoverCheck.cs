using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Routing;

namespace RedisCluster.Engine.Fill
{
    /// <summary>
    /// Counts what a cluster node that failed during a fill really kept: the keys in its slots on the nodes
    /// that took them over (its promoted replica). Writes sent with replies off are never acknowledged, so
    /// whatever had not reached the replica when the primary died is gone, and only this count shows it.
    /// </summary>
    internal static class FillTakeoverCheck
    {
        /// <summary>
        /// The keys in <paramref name="node"/>'s slots and where they were counted, once every one of its slots
        /// has another live owner; null when that does not happen within <paramref name="timeout"/>.
        /// </summary>
        public static async Task<(long Keys, string CountedOn)?> CountAsync(ClusterRedisClient cluster, FillNodePlan node, TimeSpan timeout, CancellationToken cancellationToken)
        {
            DateTime deadline = DateTime.UtcNow + timeout;
            while (true)
            {
                try
                {
                    await cluster.RefreshTopologyAsync(cancellationToken).ConfigureAwait(false);
                    Dictionary<RedisEndpoint, List<int>>? owners = NewOwners(cluster.Topology, node);
                    if (owners != null)
                    {
                        long keys = 0;
                        foreach (KeyValuePair<RedisEndpoint, List<int>> owner in owners)
                        {
                            keys += await CountSlotsAsync(cluster, owner.Key, owner.Value, cancellationToken).ConfigureAwait(false);
                        }

                        return (keys, string.Join(", ", owners.Keys.Select(e => e.ToString())));
                    }
                }
                catch (RedisException) when (DateTime.UtcNow < deadline)
                {
                    // The cluster is still failing over (a node refuses, a slot is not served yet): look again.
                }

                if (DateTime.UtcNow >= deadline)
                {
                    return null;
                }

                await Task.Delay(250, cancellationToken).ConfigureAwait(false);
            }
        }

        // Null until every slot of the failed node is served by another primary that is not marked failed.
        private static Dictionary<RedisEndpoint, List<int>>? NewOwners(ClusterTopology topology, FillNodePlan node)
        {
            var owners = new Dictionary<RedisEndpoint, List<int>>();
            foreach (int slot in node.Slots)
            {
                ClusterNode? primary = topology.GetPrimaryForSlot(slot);
                if (primary?.Endpoint == null || primary.Endpoint.Equals(node.Endpoint) || primary.Health == ClusterNodeHealth.Failed)
                {
                    return null;
                }

                if (!owners.TryGetValue(primary.Endpoint, out List<int>? slots))
                {
                    slots = new List<int>();
                    owners.Add(primary.Endpoint, slots);
                }

                slots.Add(slot);
            }

            return owners;
        }

        private static async Task<long> CountSlotsAsync(ClusterRedisClient cluster, RedisEndpoint owner, List<int> slots, CancellationToken cancellationToken)
        {
            var commands = slots.Select(s => RedisCommand.Create("CLUSTER", "COUNTKEYSINSLOT", s.ToString(CultureInfo.InvariantCulture))).ToList();
            IReadOnlyList<RedisReply> replies = await cluster.ExecuteOnNodeAsync(owner, commands, cancellationToken).ConfigureAwait(false);
            long keys = 0;
            foreach (RedisReply reply in replies)
            {
                if (reply.Value.IsError)
                {
                    throw new RedisServerErrorException(reply.Value.GetString() ?? "CLUSTER COUNTKEYSINSLOT failed", reply.Command.ToDisplayString());
                }

                keys += reply.Value.Integer;
            }

            return keys;
        }
    }
}
