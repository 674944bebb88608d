using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Cluster;

namespace RedisCluster.Engine.Administration
{
    /// <summary>
    /// Read-only checks that a node can join a cluster as a new member: cluster-enabled, empty, and
    /// not part of any cluster yet. They run before anything is changed anywhere.
    /// </summary>
    internal static class NewNodeCheck
    {
        /// <summary>Checks the node and returns its id, the IP to MEET it at and its bus port.</summary>
        public static async Task<(string Id, string Ip, int BusPort)> RunAsync(NodeSession node, CancellationToken cancellationToken)
        {
            string name = node.Endpoint.ToString();
            if (!await node.IsClusterEnabledAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new AdministrationException(AdministrationFailure.NotClusterEnabled, name,
                    "Node " + name + " is not cluster-enabled (it runs with cluster-enabled no); start it with cluster-enabled yes to make it a cluster node.");
            }

            Dictionary<string, string> info = await node.ClusterInfoAsync(cancellationToken).ConfigureAwait(false);
            string known = info.TryGetValue("cluster_known_nodes", out string? k) ? k : "?";
            string assigned = info.TryGetValue("cluster_slots_assigned", out string? a) ? a : "?";
            if (known != "1" || assigned != "0")
            {
                throw new AdministrationException(AdministrationFailure.AlreadyInCluster, name,
                    "Node " + name + " is already part of a cluster (it knows " + known + " node(s) and " + assigned
                    + " slot(s) are assigned); leave it out, or empty it and run CLUSTER RESET HARD on it first.");
            }

            long keys = (await node.RunAsync(cancellationToken, "DBSIZE").ConfigureAwait(false)).Integer;
            if (keys != 0)
            {
                throw new AdministrationException(AdministrationFailure.NodeNotEmpty, name,
                    "Node " + name + " is not empty: it holds " + keys.ToString(CultureInfo.InvariantCulture)
                    + " key(s); a new cluster node must hold none (FLUSHALL it, or leave it out).");
            }

            ClusterNode myself = (await node.ClusterNodesAsync(cancellationToken).ConfigureAwait(false)).First(n => n.IsMyself);
            string id = myself.Id;
            int busPort = await BusPortAsync(node, cancellationToken).ConfigureAwait(false);
            string ip = await ResolveIpAsync(node).ConfigureAwait(false);
            return (id, ip, busPort);
        }

        /// <summary>The bus port from the node's own CLUSTER NODES line ("ip:port@busport").</summary>
        public static async Task<int> BusPortAsync(NodeSession node, CancellationToken cancellationToken)
        {
            string text = await node.ClusterNodesTextAsync(cancellationToken).ConfigureAwait(false);
            foreach (string raw in text.Split('\n'))
            {
                string[] fields = raw.Trim().Split(' ');
                if (fields.Length > 2 && fields[2].Split(',').Contains("myself"))
                {
                    string address = fields[1].Split(',')[0];
                    int at = address.IndexOf('@');
                    if (at > 0 && int.TryParse(address.Substring(at + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int bus))
                    {
                        return bus;
                    }
                }
            }

            // Servers before 4.0 do not show it; the bus is then always the client port + 10000.
            return node.Endpoint.Port + 10000;
        }

        /// <summary>CLUSTER MEET wants an IP: a host name is resolved here, IPv4 first.</summary>
        public static async Task<string> ResolveIpAsync(NodeSession node)
        {
            string host = node.Endpoint.Host;
            if (IPAddress.TryParse(host, out _))
            {
                return host;
            }

            IPAddress[] addresses = await Dns.GetHostAddressesAsync(host).ConfigureAwait(false);
            IPAddress? pick = addresses.FirstOrDefault(x => x.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault();
            if (pick == null)
            {
                throw new AdministrationException(AdministrationFailure.NodeUnreachable, node.Endpoint.ToString(),
                    "The host name of node " + node.Endpoint + " resolves to no address.");
            }

            return pick.ToString();
        }
    }
}
