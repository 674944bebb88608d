using System.Collections.Generic;
using System.Globalization;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Cluster
{
    /// <summary>
    /// Reads CLUSTER SLOTS: one entry per slot range, <c>[start, end, primary, replica...]</c>, each node
    /// <c>[endpoint, port, id, metadata]</c>. A primary owning several ranges appears once per range and
    /// is merged here. The port is that of the protocol the reply was read over.
    /// </summary>
    internal static class SlotsReplyParser
    {
        private const string Command = "CLUSTER SLOTS";

        public static List<ClusterNode> Parse(RespValue reply, bool useTls, RedisEndpoint queried)
        {
            ReplyShape.RequireAggregate(reply, Command);
            var nodes = new List<ClusterNode>();
            var byId = new Dictionary<string, ClusterNode>();
            var ranges = new Dictionary<string, List<SlotRange>>();
            foreach (RespValue entry in reply.Items)
            {
                IReadOnlyList<RespValue> items = entry.Items;
                if (items.Count < 3)
                {
                    throw new RedisException("Unexpected " + Command + " reply: a slot range entry has " + items.Count.ToString(CultureInfo.InvariantCulture)
                        + " elements, expected start, end and a primary.");
                }

                SlotRange range = ReplyShape.Range(items[0], items[1], Command);
                ClusterNode primary = ParseNode(items[2], ClusterNodeRole.Primary, null, useTls, queried);
                if (!byId.ContainsKey(primary.Id))
                {
                    byId.Add(primary.Id, primary);
                    nodes.Add(primary);
                    ranges.Add(primary.Id, new List<SlotRange>());
                }

                if (ranges.TryGetValue(primary.Id, out List<SlotRange>? owned))
                {
                    owned.Add(range);
                }

                for (int i = 3; i < items.Count; i++)
                {
                    ClusterNode replica = ParseNode(items[i], ClusterNodeRole.Replica, primary.Id, useTls, queried);
                    if (!byId.ContainsKey(replica.Id))
                    {
                        byId.Add(replica.Id, replica);
                        nodes.Add(replica);
                    }
                }
            }

            for (int i = 0; i < nodes.Count; i++)
            {
                if (ranges.TryGetValue(nodes[i].Id, out List<SlotRange>? owned))
                {
                    nodes[i] = WithSlots(nodes[i], owned);
                }
            }

            return nodes;
        }

        private static ClusterNode ParseNode(RespValue node, ClusterNodeRole role, string? primaryId, bool useTls, RedisEndpoint queried)
        {
            IReadOnlyList<RespValue> items = node.Items;
            if (items.Count < 2)
            {
                throw new RedisException("Unexpected " + Command + " reply: a node entry has " + items.Count.ToString(CultureInfo.InvariantCulture)
                    + " elements, expected endpoint and port.");
            }

            // Null is cluster-preferred-endpoint-type unknown-endpoint: dial the host the reply came from.
            string endpoint = items[0].GetString() ?? string.Empty;
            int port = ReplyShape.Port(items[1], Command);
            string? id = items.Count > 2 ? items[2].GetString() : null;
            string? ip = null;
            string? hostname = null;
            if (items.Count > 3)
            {
                foreach (KeyValuePair<string, RespValue> field in items[3].AsPairs())
                {
                    if (field.Key == "ip")
                    {
                        ip = field.Value.GetString();
                    }
                    else if (field.Key == "hostname")
                    {
                        hostname = field.Value.GetString();
                    }
                }
            }

            // The endpoint column is the IP unless the cluster prefers hostnames (then metadata carries the IP).
            if (ip == null && TopologyAddress.IsRealHost(endpoint) && endpoint != hostname)
            {
                ip = endpoint;
            }

            string host = TopologyAddress.ChooseHost(endpoint, ip, queried);
            if (string.IsNullOrEmpty(id))
            {
                // Servers before 4.0 send no ids; the address is the only identity there is.
                id = host + ":" + port.ToString(CultureInfo.InvariantCulture);
            }

            return new ClusterNode(
                id!,
                TopologyAddress.Create(host, port),
                ip ?? string.Empty,
                hostname,
                useTls ? 0 : port,
                useTls ? port : (int?)null,
                role,
                primaryId,
                null,
                ClusterNodeHealth.Unknown);
        }

        private static ClusterNode WithSlots(ClusterNode node, IReadOnlyList<SlotRange> slots)
            => new ClusterNode(node.Id, node.Endpoint, node.Ip, node.Hostname, node.Port, node.TlsPort, node.Role, node.PrimaryId, slots, node.Health,
                node.ReplicationOffset, node.Flags, node.IsMyself);
    }
}
