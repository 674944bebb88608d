using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Tunnel.Relay;

namespace RedisCluster.Engine.Tunnel.Pinned
{
    /// <summary>
    /// Rewrites the node addresses in redirects and in topology replies so that they name the tunnel's
    /// listeners. Values the map cannot place are left as they are; everything that is not an address
    /// (ids, slots, flags, offsets, health) is kept exactly.
    /// </summary>
    internal static class TopologyRewriter
    {
        /// <summary>
        /// Rewrites "MOVED slot host:port" / "ASK slot host:port". Returns null when the line is not a
        /// redirect or needs no change. An empty host means the node the client is connected to.
        /// </summary>
        public static string? RewriteRedirect(string line, string connectedHost, ITunnelAddressMap map)
        {
            // The one redirect parser (the cluster client's): its kind from ErrorReplyClassifier, its slot and node.
            if (!ClusterRedirect.TryParse(line, out ClusterRedirect? redirect) || redirect == null || redirect.IsHostUnknown)
            {
                return null;
            }

            string? local = MapEndpoint(redirect.Host ?? string.Empty, redirect.Port, connectedHost, null, map);
            return local == null ? null : (redirect.Kind == RedirectKind.Moved ? "MOVED " : "ASK ") + redirect.Slot.ToString(CultureInfo.InvariantCulture) + " " + local;
        }

        /// <summary>Rewrites the whole reply to a topology command; null when nothing changed or the reply is not of the expected shape.</summary>
        public static RespValue? RewriteReply(ClientCommandKind kind, RespValue reply, string connectedHost, ITunnelAddressMap map)
        {
            if (reply.IsError || reply.IsNull)
            {
                return null;
            }

            switch (kind)
            {
                case ClientCommandKind.ClusterNodes:
                    return RewriteNodesValue(reply, connectedHost, map);
                case ClientCommandKind.ClusterReplicas:
                    return RewriteEach(reply, item => RewriteNodesValue(item, connectedHost, map));
                case ClientCommandKind.ClusterSlots:
                    return RewriteEach(reply, range => RewriteSlotRange(range, connectedHost, map));
                case ClientCommandKind.ClusterShards:
                    return RewriteEach(reply, shard => RewriteShard(shard, connectedHost, map));
                default:
                    return null;
            }
        }

        /// <summary>Rewrites the address field of every line of CLUSTER NODES text; null when nothing changed.</summary>
        public static string? RewriteNodesText(string text, string connectedHost, ITunnelAddressMap map)
        {
            var sb = new StringBuilder(text.Length);
            bool changed = false;
            int start = 0;
            while (start < text.Length)
            {
                int newline = text.IndexOf('\n', start);
                int end = newline < 0 ? text.Length : newline;
                string line = text.Substring(start, end - start);
                string? rewritten = RewriteNodesLine(line, connectedHost, map);
                changed |= rewritten != null;
                sb.Append(rewritten ?? line);
                if (newline >= 0)
                {
                    sb.Append('\n');
                }

                start = end + 1;
            }

            return changed ? sb.ToString() : null;
        }

        /// <summary>"id ip:port@cport[,hostname] flags ..." with the address and hostname rewritten.</summary>
        private static string? RewriteNodesLine(string line, string connectedHost, ITunnelAddressMap map)
        {
            int firstSpace = line.IndexOf(' ');
            if (firstSpace <= 0)
            {
                return null;
            }

            int secondSpace = line.IndexOf(' ', firstSpace + 1);
            string address = secondSpace < 0 ? line.Substring(firstSpace + 1) : line.Substring(firstSpace + 1, secondSpace - firstSpace - 1);
            string nodeId = line.Substring(0, firstSpace);

            // ip:port@cport,hostname: only the client-facing part is an address the application dials; the
            // bus port is kept, the hostname is replaced like the ip.
            int at = address.IndexOf('@');
            string hostPort = at < 0 ? address : address.Substring(0, at);
            string bus = at < 0 ? string.Empty : address.Substring(at);
            string? local = MapAddress(hostPort, connectedHost, nodeId, map);
            if (local == null)
            {
                return null;
            }

            int comma = bus.IndexOf(',');
            if (comma >= 0 && comma + 1 < bus.Length)
            {
                bus = bus.Substring(0, comma + 1) + map.AnnounceHost;
            }

            string rest = secondSpace < 0 ? string.Empty : line.Substring(secondSpace);
            return nodeId + " " + local + bus + rest;
        }

        /// <summary>"host:port" → "announce:localport"; null when it cannot or need not be mapped.</summary>
        private static string? MapAddress(string hostPort, string connectedHost, string? nodeId, ITunnelAddressMap map)
        {
            int colon = hostPort.LastIndexOf(':');
            if (colon < 0 || !int.TryParse(hostPort.Substring(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port <= 0)
            {
                return null;
            }

            return MapEndpoint(hostPort.Substring(0, colon), port, connectedHost, nodeId, map);
        }

        /// <summary>A node's host (empty: the node this connection reaches) and port → "announce:localport"; null when it cannot be mapped.</summary>
        private static string? MapEndpoint(string host, int port, string connectedHost, string? nodeId, ITunnelAddressMap map)
        {
            if (!map.TryMap(host.Length == 0 ? connectedHost : host, port, nodeId, out int localPort))
            {
                return null;
            }

            return map.AnnounceHost + ":" + localPort.ToString(CultureInfo.InvariantCulture);
        }

        private static RespValue? RewriteNodesValue(RespValue value, string connectedHost, ITunnelAddressMap map)
        {
            if (!(value.Type == RespType.BulkString || value.Type == RespType.VerbatimString) || value.IsNull)
            {
                return null;
            }

            string? text = RewriteNodesText(Encoding.UTF8.GetString(value.GetBytes()!), connectedHost, map);
            return text == null ? null : RespValue.Create(value.Type, Encoding.UTF8.GetBytes(text), verbatimFormat: value.VerbatimFormat);
        }

        /// <summary>[start, end, [host, port, id, {meta}], ...]</summary>
        private static RespValue? RewriteSlotRange(RespValue range, string connectedHost, ITunnelAddressMap map)
        {
            if (range.Type != RespType.Array || range.Items.Count < 3)
            {
                return null;
            }

            var items = new RespValue[range.Items.Count];
            bool changed = false;
            for (int i = 0; i < items.Length; i++)
            {
                RespValue item = range.Items[i];
                RespValue? rewritten = i >= 2 ? RewriteSlotNode(item, connectedHost, map) : null;
                changed |= rewritten != null;
                items[i] = rewritten ?? item;
            }

            return changed ? RespValue.Create(range.Type, null, items: items) : null;
        }

        private static RespValue? RewriteSlotNode(RespValue node, string connectedHost, ITunnelAddressMap map)
        {
            IReadOnlyList<RespValue> fields = node.Items;
            if (node.Type != RespType.Array || fields.Count < 2 || fields[1].Type != RespType.Integer)
            {
                return null;
            }

            string? host = fields[0].IsNull ? null : fields[0].GetString();
            string? id = fields.Count > 2 && !fields[2].IsNull ? fields[2].GetString() : null;
            int port = (int)fields[1].Integer;
            if (!map.TryMap(string.IsNullOrEmpty(host) || host == "?" ? connectedHost : host!, port, id, out int localPort))
            {
                return null;
            }

            var items = new RespValue[fields.Count];
            for (int i = 0; i < items.Length; i++)
            {
                items[i] = fields[i];
            }

            // A "?" or null endpoint stays unknown: the client then uses the host it is connected to, which
            // is the tunnel's own.
            if (host != null && host != "?" && host.Length > 0)
            {
                items[0] = RespValue.Create(fields[0].Type, Encoding.UTF8.GetBytes(map.AnnounceHost));
            }

            items[1] = RespValue.FromInteger(localPort);
            if (items.Length > 3 && (fields[3].Type == RespType.Map || fields[3].Type == RespType.Array))
            {
                items[3] = RewritePairs(fields[3], p => p.Key == "ip" || p.Key == "hostname" ? AnnounceString(p.Value, map) : null) ?? fields[3];
            }

            return RespValue.Create(node.Type, null, items: items);
        }

        /// <summary>{slots: [...], nodes: [{id, port, tls-port, ip, endpoint, hostname, ...}, ...]} (a flat array in RESP2).</summary>
        private static RespValue? RewriteShard(RespValue shard, string connectedHost, ITunnelAddressMap map)
        {
            if (shard.Type != RespType.Map && shard.Type != RespType.Array)
            {
                return null;
            }

            return RewritePairs(shard, pair => pair.Key == "nodes" ? RewriteEach(pair.Value, node => RewriteShardNode(node, connectedHost, map)) : null);
        }

        private static RespValue? RewriteShardNode(RespValue node, string connectedHost, ITunnelAddressMap map)
        {
            if (node.Type != RespType.Map && node.Type != RespType.Array)
            {
                return null;
            }

            string? id = null, ip = null, endpoint = null;
            long? port = null, tlsPort = null;
            foreach (KeyValuePair<string, RespValue> pair in node.AsPairs())
            {
                switch (pair.Key)
                {
                    case "id":
                        id = pair.Value.GetString();
                        break;
                    case "ip":
                        ip = pair.Value.GetString();
                        break;
                    case "endpoint":
                        endpoint = pair.Value.GetString();
                        break;
                    case "port":
                        port = pair.Value.Type == RespType.Integer ? pair.Value.Integer : (long?)null;
                        break;
                    case "tls-port":
                        tlsPort = pair.Value.Type == RespType.Integer ? pair.Value.Integer : (long?)null;
                        break;
                }
            }

            long? upstreamPort = map.UpstreamTls ? tlsPort ?? port : port ?? tlsPort;
            string host = !string.IsNullOrEmpty(ip) && ip != "?" ? ip! : !string.IsNullOrEmpty(endpoint) && endpoint != "?" ? endpoint! : connectedHost;
            if (upstreamPort == null || !map.TryMap(host, (int)upstreamPort.Value, id, out int localPort))
            {
                return null;
            }

            // The listeners are plaintext: the application gets one "port", the local one, and no
            // "tls-port" (nothing speaks TLS on the local side).
            var items = new List<RespValue>(node.Items.Count);
            bool portWritten = false;
            foreach (KeyValuePair<RespValue, RespValue> pair in PairsOf(node))
            {
                string key = pair.Key.GetString() ?? string.Empty;
                RespValue value = pair.Value;
                switch (key)
                {
                    case "port":
                    case "tls-port":
                        if (portWritten)
                        {
                            continue;
                        }

                        portWritten = true;
                        items.Add(key == "port" ? pair.Key : RespValue.Create(pair.Key.Type, Encoding.UTF8.GetBytes("port")));
                        items.Add(RespValue.FromInteger(localPort));
                        continue;
                    case "ip":
                    case "endpoint":
                    case "hostname":
                        value = AnnounceString(value, map) ?? value;
                        break;
                }

                items.Add(pair.Key);
                items.Add(value);
            }

            return RespValue.Create(node.Type, null, items: items.ToArray());
        }

        /// <summary>A non-empty, known host string replaced by the announced host (type kept); null otherwise.</summary>
        private static RespValue? AnnounceString(RespValue value, ITunnelAddressMap map)
        {
            string? text = value.IsNull ? null : value.GetString();
            if (string.IsNullOrEmpty(text) || text == "?" || !value.IsStringLike)
            {
                return null;
            }

            return RespValue.Create(value.Type, Encoding.UTF8.GetBytes(map.AnnounceHost), verbatimFormat: value.VerbatimFormat);
        }

        private static RespValue? RewriteEach(RespValue aggregate, Func<RespValue, RespValue?> rewrite)
        {
            if (aggregate.Type != RespType.Array && aggregate.Type != RespType.Set)
            {
                return null;
            }

            var items = new RespValue[aggregate.Items.Count];
            bool changed = false;
            for (int i = 0; i < items.Length; i++)
            {
                RespValue? rewritten = rewrite(aggregate.Items[i]);
                changed |= rewritten != null;
                items[i] = rewritten ?? aggregate.Items[i];
            }

            return changed ? RespValue.Create(aggregate.Type, null, items: items) : null;
        }

        private static RespValue? RewritePairs(RespValue map, Func<KeyValuePair<string, RespValue>, RespValue?> rewriteValue)
        {
            var items = new RespValue[map.Items.Count];
            bool changed = false;
            for (int i = 0; i + 1 < items.Length; i += 2)
            {
                items[i] = map.Items[i];
                RespValue? rewritten = rewriteValue(new KeyValuePair<string, RespValue>(map.Items[i].GetString() ?? string.Empty, map.Items[i + 1]));
                changed |= rewritten != null;
                items[i + 1] = rewritten ?? map.Items[i + 1];
            }

            if (items.Length % 2 == 1)
            {
                items[items.Length - 1] = map.Items[items.Length - 1];
            }

            return changed ? RespValue.Create(map.Type, null, items: items) : null;
        }

        private static IEnumerable<KeyValuePair<RespValue, RespValue>> PairsOf(RespValue map)
        {
            for (int i = 0; i + 1 < map.Items.Count; i += 2)
            {
                yield return new KeyValuePair<RespValue, RespValue>(map.Items[i], map.Items[i + 1]);
            }
        }

        /// <summary>True when writing the value needs RESP3 (so the rewritten frame keeps the client's protocol).</summary>
        public static bool UsesResp3(RespValue value)
        {
            switch (value.Type)
            {
                case RespType.Map:
                case RespType.Set:
                case RespType.Null:
                case RespType.Double:
                case RespType.Boolean:
                case RespType.BigNumber:
                case RespType.VerbatimString:
                case RespType.BulkError:
                case RespType.Push:
                case RespType.Attribute:
                    return true;
            }

            if (value.Attributes != null)
            {
                return true;
            }

            foreach (RespValue item in value.Items)
            {
                if (UsesResp3(item))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
