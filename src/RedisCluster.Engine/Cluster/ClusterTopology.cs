using System;
using System.Collections.Generic;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Cluster
{
    /// <summary>
    /// A snapshot of a cluster: its nodes and which primary owns each slot. Immutable; a refresh builds a
    /// new one, so readers never see a half-updated slot map.
    /// </summary>
    public sealed class ClusterTopology
    {
        private readonly ClusterNode?[] _slotOwners = new ClusterNode?[SlotRange.SlotCount];
        private readonly Dictionary<string, ClusterNode> _byId = new Dictionary<string, ClusterNode>(StringComparer.Ordinal);
        private readonly List<ClusterNode> _nodes = new List<ClusterNode>();
        private readonly List<ClusterNode> _primaries = new List<ClusterNode>();
        private readonly List<ClusterNode> _replicas = new List<ClusterNode>();

        public ClusterTopology(IEnumerable<ClusterNode> nodes)
        {
            if (nodes == null)
            {
                throw new ArgumentNullException(nameof(nodes));
            }

            foreach (ClusterNode node in nodes)
            {
                if (_byId.ContainsKey(node.Id))
                {
                    // The parsers merge a node's entries; a repeat here is a reply listing a node twice, and the first wins.
                    continue;
                }

                _byId.Add(node.Id, node);
                _nodes.Add(node);
                (node.IsPrimary ? _primaries : _replicas).Add(node);
            }

            // A failed primary can still claim slots for a moment after its replica took over; the healthy
            // claimant wins, and a failed one only fills slots nobody else claims.
            AssignSlots(failed: false);
            AssignSlots(failed: true);

            int covered = 0;
            foreach (ClusterNode? owner in _slotOwners)
            {
                covered += owner == null ? 0 : 1;
            }

            CoveredSlotCount = covered;
            Nodes = new ReadableList<ClusterNode>(_nodes, "; ");
            Primaries = new ReadableList<ClusterNode>(_primaries, "; ");
            Replicas = new ReadableList<ClusterNode>(_replicas, "; ");
        }

        public IReadOnlyList<ClusterNode> Nodes { get; }

        public IReadOnlyList<ClusterNode> Primaries { get; }

        public IReadOnlyList<ClusterNode> Replicas { get; }

        /// <summary>How many of the 16384 slots have an owner.</summary>
        public int CoveredSlotCount { get; }

        public bool CoversAllSlots => CoveredSlotCount == SlotRange.SlotCount;


        /// <summary>Builds a topology from a CLUSTER SHARDS reply (RESP2 or RESP3).</summary>
        /// <param name="useTls">Whether clients dial the nodes over TLS: picks tls-port over port.</param>
        /// <param name="queried">The node that answered; its host stands in for endpoints the reply leaves unknown.</param>
        public static ClusterTopology FromShards(RespValue reply, bool useTls, RedisEndpoint queried)
            => new ClusterTopology(ShardsReplyParser.Parse(reply, useTls, queried));

        /// <summary>
        /// Builds a topology from a CLUSTER SLOTS reply (RESP2 or RESP3). Its ports are those of the protocol the
        /// reply was read over, so <paramref name="useTls"/> must say how the querying connection was made.
        /// </summary>
        public static ClusterTopology FromSlots(RespValue reply, bool useTls, RedisEndpoint queried)
            => new ClusterTopology(SlotsReplyParser.Parse(reply, useTls, queried));

        /// <summary>Builds a topology from CLUSTER NODES text; as with SLOTS, its ports follow the querying connection's protocol.</summary>
        public static ClusterTopology FromNodes(string text, bool useTls, RedisEndpoint queried)
            => new ClusterTopology(NodesReplyParser.Parse(text, useTls, queried));

        /// <summary>The primary serving a slot, or null while no node owns it. O(1).</summary>
        public ClusterNode? GetPrimaryForSlot(int slot)
        {
            if (slot < 0 || slot >= SlotRange.SlotCount)
            {
                throw new ArgumentOutOfRangeException(nameof(slot), slot, "A hash slot is 0-16383.");
            }

            return _slotOwners[slot];
        }

        public IReadOnlyList<ClusterNode> GetReplicasOf(string primaryId)
        {
            var result = new List<ClusterNode>();
            foreach (ClusterNode replica in _replicas)
            {
                if (string.Equals(replica.PrimaryId, primaryId, StringComparison.Ordinal))
                {
                    result.Add(replica);
                }
            }

            return result;
        }

        public ClusterNode? FindById(string id) => id != null && _byId.TryGetValue(id, out ClusterNode? node) ? node : null;

        /// <summary>
        /// The node at an endpoint: first by the address clients dial, then by any of its known names (IP,
        /// hostname) with either of its ports, so a MOVED target written differently still matches.
        /// </summary>
        public ClusterNode? FindByEndpoint(RedisEndpoint endpoint)
        {
            if (endpoint == null)
            {
                return null;
            }

            foreach (ClusterNode node in _nodes)
            {
                if (endpoint.Equals(node.Endpoint))
                {
                    return node;
                }
            }

            foreach (ClusterNode node in _nodes)
            {
                bool portMatches = endpoint.Port == node.Port || endpoint.Port == node.TlsPort;
                bool hostMatches = string.Equals(endpoint.Host, node.Ip, StringComparison.OrdinalIgnoreCase)
                    || string.Equals(endpoint.Host, node.Hostname, StringComparison.OrdinalIgnoreCase);
                if (portMatches && hostMatches)
                {
                    return node;
                }
            }

            return null;
        }

        public override string ToString()
            => _primaries.Count + " primaries, " + _replicas.Count + " replicas, " + CoveredSlotCount + "/16384 slots covered";

        private void AssignSlots(bool failed)
        {
            foreach (ClusterNode primary in _primaries)
            {
                if ((primary.Health == ClusterNodeHealth.Failed) != failed)
                {
                    continue;
                }

                foreach (SlotRange range in primary.Slots)
                {
                    for (int slot = range.Start; slot <= range.End; slot++)
                    {
                        if (_slotOwners[slot] == null)
                        {
                            _slotOwners[slot] = primary;
                        }
                    }
                }
            }
        }
    }
}
