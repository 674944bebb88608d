using System;
using System.Collections.Generic;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Cluster
{
    /// <summary>
    /// Reads CLUSTER SHARDS: an array of shards, each a map (RESP3) or flat key/value array (RESP2) with
    /// "slots" (flat start,end pairs) and "nodes" (maps of id, port, tls-port, ip, endpoint, hostname,
    /// role, replication-offset, health). Fields are looked up by name, so added or missing ones are fine.
    /// </summary>
    internal static class ShardsReplyParser
    {
        private const string Command = "CLUSTER SHARDS";

        public static List<ClusterNode> Parse(RespValue reply, bool useTls, RedisEndpoint queried)
        {
            ReplyShape.RequireAggregate(reply, Command);
            var result = new List<ClusterNode>();
            foreach (RespValue shard in reply.Items)
            {
                RespValue? slots = null;
                RespValue? nodes = null;
                foreach (KeyValuePair<string, RespValue> field in shard.AsPairs())
                {
                    if (field.Key == "slots")
                    {
                        slots = field.Value;
                    }
                    else if (field.Key == "nodes")
                    {
                        nodes = field.Value;
                    }
                }

                if (nodes == null)
                {
                    throw new RedisException("Unexpected " + Command + " reply: a shard has no \"nodes\" field.");
                }

                IReadOnlyList<SlotRange> ranges = ParseRanges(slots);
                string? primaryId = FindPrimaryId(nodes);
                foreach (RespValue node in nodes.Items)
                {
                    result.Add(ParseNode(node, ranges, primaryId, useTls, queried));
                }
            }

            return result;
        }

        private static IReadOnlyList<SlotRange> ParseRanges(RespValue? slots)
        {
            var ranges = new List<SlotRange>();
            if (slots == null)
            {
                return ranges;
            }

            IReadOnlyList<RespValue> items = slots.Items;
            if (items.Count % 2 != 0)
            {
                throw new RedisException("Unexpected " + Command + " reply: \"slots\" has an odd number of bounds.");
            }

            for (int i = 0; i < items.Count; i += 2)
            {
                ranges.Add(ReplyShape.Range(items[i], items[i + 1], Command));
            }

            return ranges;
        }

        // A shard whose primary failed may briefly list two masters; the replicas follow the healthy one.
        private static string? FindPrimaryId(RespValue nodes)
        {
            string? any = null;
            foreach (RespValue node in nodes.Items)
            {
                string? id = null;
                bool primary = false;
                bool failed = false;
                foreach (KeyValuePair<string, RespValue> field in node.AsPairs())
                {
                    switch (field.Key)
                    {
                        case "id":
                            id = field.Value.GetString();
                            break;
                        case "role":
                            primary = IsPrimaryRole(field.Value.GetString());
                            break;
                        case "health":
                            failed = ParseHealth(field.Value.GetString()) == ClusterNodeHealth.Failed;
                            break;
                    }
                }

                if (primary && !string.IsNullOrEmpty(id))
                {
                    if (!failed)
                    {
                        return id;
                    }

                    any = any ?? id;
                }
            }

            return any;
        }

        private static ClusterNode ParseNode(RespValue node, IReadOnlyList<SlotRange> shardSlots, string? primaryId, bool useTls, RedisEndpoint queried)
        {
            string? id = null;
            string? ip = null;
            string? endpoint = null;
            string? hostname = null;
            string? role = null;
            string? health = null;
            int port = 0;
            int? tlsPort = null;
            long offset = 0;
            foreach (KeyValuePair<string, RespValue> field in node.AsPairs())
            {
                switch (field.Key)
                {
                    case "id":
                        id = field.Value.GetString();
                        break;
                    case "port":
                        port = ReplyShape.Port(field.Value, Command);
                        break;
                    case "tls-port":
                        tlsPort = ReplyShape.Port(field.Value, Command);
                        break;
                    case "ip":
                        ip = field.Value.GetString();
                        break;
                    case "endpoint":
                        endpoint = field.Value.GetString() ?? string.Empty;
                        break;
                    case "hostname":
                        hostname = field.Value.GetString();
                        break;
                    case "role":
                        role = field.Value.GetString();
                        break;
                    case "replication-offset":
                        offset = ReplyShape.Integer(field.Value, Command, "replication-offset");
                        break;
                    case "health":
                        health = field.Value.GetString();
                        break;
                }
            }

            if (string.IsNullOrEmpty(id))
            {
                throw new RedisException("Unexpected " + Command + " reply: a node has no \"id\" field.");
            }

            bool isPrimary = IsPrimaryRole(role);

            // A reply that names only the other protocol's port is still the best guess (a TLS-terminating
            // proxy in front of a plaintext cluster reports plaintext ports everywhere).
            int dialPort = useTls ? (tlsPort > 0 ? tlsPort.Value : port) : (port > 0 ? port : tlsPort ?? 0);
            string host = TopologyAddress.ChooseHost(endpoint, ip, queried);
            return new ClusterNode(
                id!,
                TopologyAddress.Create(host, dialPort),
                ip ?? string.Empty,
                hostname,
                port,
                tlsPort,
                isPrimary ? ClusterNodeRole.Primary : ClusterNodeRole.Replica,
                isPrimary ? null : primaryId,
                isPrimary ? shardSlots : null,
                ParseHealth(health),
                offset);
        }

        private static bool IsPrimaryRole(string? role)
            => string.Equals(role, "master", StringComparison.OrdinalIgnoreCase) || string.Equals(role, "primary", StringComparison.OrdinalIgnoreCase);

        private static ClusterNodeHealth ParseHealth(string? health)
        {
            switch (health)
            {
                case "online":
                    return ClusterNodeHealth.Online;
                case "failed":
                    return ClusterNodeHealth.Failed;
                case "loading":
                    return ClusterNodeHealth.Loading;
                default:
                    return ClusterNodeHealth.Unknown;
            }
        }
    }
}
