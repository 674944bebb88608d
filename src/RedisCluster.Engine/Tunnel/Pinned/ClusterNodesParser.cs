using System.Collections.Generic;
using System.Globalization;

namespace RedisCluster.Engine.Tunnel.Pinned
{
    /// <summary>Reads the text of CLUSTER NODES: "id ip:port@cport[,hostname] flags master ping pong epoch link slots...".</summary>
    internal static class ClusterNodesParser
    {
        public static List<ClusterNodeEntry> Parse(string text)
        {
            var nodes = new List<ClusterNodeEntry>();
            foreach (string raw in text.Split('\n'))
            {
                string line = raw.TrimEnd('\r');
                string[] fields = line.Split(' ');
                if (fields.Length < 3 || fields[0].Length == 0)
                {
                    continue;
                }

                string address = fields[1];
                string? hostname = null;
                int comma = address.IndexOf(',');
                if (comma >= 0)
                {
                    hostname = address.Substring(comma + 1);
                    address = address.Substring(0, comma);
                }

                int at = address.IndexOf('@');
                if (at >= 0)
                {
                    address = address.Substring(0, at);
                }

                int colon = address.LastIndexOf(':');
                if (colon < 0 || !int.TryParse(address.Substring(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port))
                {
                    continue;
                }

                nodes.Add(new ClusterNodeEntry(fields[0], address.Substring(0, colon), port, string.IsNullOrEmpty(hostname) ? null : hostname, fields[2]));
            }

            return nodes;
        }
    }
}
