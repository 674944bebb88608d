using System;
using System.Collections.Generic;
using System.Globalization;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;

namespace RedisCluster.Engine.Cluster
{
    /// <summary>
    /// Reads CLUSTER NODES text: one line per node,
    /// <c>id ip:port@cport[,hostname[,aux=value...]] flags primary-id ping pong epoch link slot...</c>.
    /// The port is that of the protocol the reply was read over.
    /// </summary>
    internal static class NodesReplyParser
    {
        private const string Command = "CLUSTER NODES";

        public static List<ClusterNode> Parse(string text, bool useTls, RedisEndpoint queried)
        {
            if (text == null)
            {
                throw new ArgumentNullException(nameof(text));
            }

            var nodes = new List<ClusterNode>();
            foreach (string rawLine in text.Split('\n'))
            {
                string line = rawLine.Trim();
                if (line.Length == 0)
                {
                    continue;
                }

                ClusterNode? node = ParseLine(line, useTls, queried);
                if (node != null)
                {
                    nodes.Add(node);
                }
            }

            return nodes;
        }

        private static ClusterNode? ParseLine(string line, bool useTls, RedisEndpoint queried)
        {
            string[] fields = line.Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 8)
            {
                throw new RedisException("Unexpected " + Command + " line (fewer than 8 fields): " + line);
            }

            string[] flags = fields[2].Split(new[] { ',' }, StringSplitOptions.RemoveEmptyEntries);
            if (Array.IndexOf(flags, "handshake") >= 0)
            {
                // A node still in handshake carries a random id it will drop once it joins; nothing routes to it.
                return null;
            }

            ParseAddress(fields[1], line, out string ip, out int port, out string? hostname, out int? auxTlsPort);
            bool isReplica = Array.IndexOf(flags, "slave") >= 0 || Array.IndexOf(flags, "replica") >= 0;
            var slots = new List<SlotRange>();
            for (int i = 8; i < fields.Length; i++)
            {
                // "[slot->-id]" and "[slot-<-id]" mark a migration in progress; the slot still belongs to its current owner.
                if (!fields[i].StartsWith("[", StringComparison.Ordinal))
                {
                    slots.Add(ParseSlots(fields[i], line));
                }
            }

            string host = TopologyAddress.ChooseHost(null, ip, queried);
            return new ClusterNode(
                fields[0],
                TopologyAddress.Create(host, port),
                ip,
                hostname,
                useTls ? 0 : port,
                useTls ? (port > 0 ? port : (int?)null) : auxTlsPort,
                isReplica ? ClusterNodeRole.Replica : ClusterNodeRole.Primary,
                fields[3] == "-" ? null : fields[3],
                isReplica ? null : slots,
                HealthFromFlags(flags),
                0,
                flags,
                Array.IndexOf(flags, "myself") >= 0);
        }

        private static void ParseAddress(string field, string line, out string ip, out int port, out string? hostname, out int? tlsPort)
        {
            hostname = null;
            tlsPort = null;
            string[] parts = field.Split(',');
            for (int i = 1; i < parts.Length; i++)
            {
                int equals = parts[i].IndexOf('=');
                if (equals < 0)
                {
                    hostname = parts[i].Length == 0 ? null : parts[i];
                    continue;
                }

                // 7.2+ appends auxiliary fields (shard-id=..., tls-port=...) after the hostname.
                string key = parts[i].Substring(0, equals);
                string value = parts[i].Substring(equals + 1);
                if (key == "hostname")
                {
                    hostname = value.Length == 0 ? null : value;
                }
                else if (key == "tls-port" && value.Length > 0)
                {
                    int parsed = TopologyAddress.ParsePort(value, Command);
                    tlsPort = parsed > 0 ? parsed : (int?)null;
                }
            }

            string address = parts[0];
            int at = address.IndexOf('@');
            if (at >= 0)
            {
                address = address.Substring(0, at);
            }

            int colon = address.LastIndexOf(':');
            if (colon < 0)
            {
                throw new RedisException("Unexpected " + Command + " line (address without a port): " + line);
            }

            ip = address.Substring(0, colon).TrimStart('[').TrimEnd(']');
            port = TopologyAddress.ParsePort(address.Substring(colon + 1), Command);
        }

        private static SlotRange ParseSlots(string text, string line)
        {
            int dash = text.IndexOf('-');
            string first = dash < 0 ? text : text.Substring(0, dash);
            string last = dash < 0 ? text : text.Substring(dash + 1);
            if (!int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out int start)
                || !int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out int end)
                || end < start || end >= SlotRange.SlotCount)
            {
                throw new RedisException("Unexpected " + Command + " line (bad slot range '" + text + "'): " + line);
            }

            return new SlotRange(start, end);
        }

        private static ClusterNodeHealth HealthFromFlags(string[] flags)
        {
            if (Array.IndexOf(flags, "fail") >= 0)
            {
                return ClusterNodeHealth.Failed;
            }

            // "fail?" is one node's suspicion, not the cluster's verdict.
            if (Array.IndexOf(flags, "fail?") >= 0 || Array.IndexOf(flags, "noaddr") >= 0)
            {
                return ClusterNodeHealth.Unknown;
            }

            return ClusterNodeHealth.Online;
        }
    }
}
