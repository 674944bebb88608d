using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Connections;

namespace RedisCluster.Engine.Administration
{
    /// <summary>A cluster as one member sees it, with a session to every member that can be reached.</summary>
    internal sealed class ClusterMembership : IDisposable
    {
        private ClusterMembership(IReadOnlyList<ClusterNode> nodes, List<NodeSession> sessions)
        {
            Nodes = nodes;
            Sessions = sessions;
        }

        /// <summary>The nodes, as the member asked first lists them (each primary followed by its replicas).</summary>
        public IReadOnlyList<ClusterNode> Nodes { get; }

        /// <summary>Sessions to the members that answered.</summary>
        public List<NodeSession> Sessions { get; }

        public static async Task<ClusterMembership> ReadAsync(RedisEndpoint member, AdministrationContext context, CancellationToken cancellationToken, bool requireAll)
        {
            NodeSession first = await context.OpenAsync(member, cancellationToken).ConfigureAwait(false);
            var sessions = new List<NodeSession> { first };
            try
            {
                IReadOnlyList<ClusterNode> nodes = ShardOrder.Sort(await first.ClusterNodesAsync(cancellationToken).ConfigureAwait(false));
                foreach (ClusterNode node in nodes.Where(n => !n.IsMyself && n.Endpoint != null))
                {
                    try
                    {
                        sessions.Add(await context.OpenAsync(node.Endpoint!, cancellationToken).ConfigureAwait(false));
                    }
                    catch (AdministrationException) when (!requireAll)
                    {
                        context.Log.Warning("Cluster node " + node.Endpoint + " cannot be reached; going on without it.");
                    }
                }

                return new ClusterMembership(nodes, sessions);
            }
            catch
            {
                sessions.ForEach(s => s.Dispose());
                throw;
            }
        }

        /// <summary>A node by its full id, a unique id prefix, or its endpoint.</summary>
        public ClusterNode Find(string idOrEndpoint)
        {
            ClusterNode[] byId = Nodes.Where(n => n.Id.StartsWith(idOrEndpoint, StringComparison.OrdinalIgnoreCase)).ToArray();
            if (byId.Length == 1)
            {
                return byId[0];
            }

            if (idOrEndpoint.IndexOf(':') > 0)
            {
                RedisEndpoint endpoint = RedisEndpoint.Parse(idOrEndpoint);
                ClusterNode? match = new ClusterTopology(Nodes).FindByEndpoint(endpoint);
                if (match != null)
                {
                    return match;
                }
            }

            throw new AdministrationException(AdministrationFailure.InvalidRequest, idOrEndpoint, byId.Length > 1
                ? "Node id prefix '" + idOrEndpoint + "' matches " + byId.Length + " nodes; give more of the id."
                : "The cluster has no node '" + idOrEndpoint + "' (neither an id nor an endpoint of its " + Nodes.Count + " nodes).");
        }

        /// <summary>The session to <paramref name="node"/>, or null when it could not be reached (or has no address).</summary>
        public NodeSession? SessionOf(ClusterNode node)
            => node.IsMyself ? Sessions[0] : Sessions.Skip(1).FirstOrDefault(s => node.Endpoint != null && s.Endpoint.Equals(node.Endpoint));

        public void Dispose() => Sessions.ForEach(s => s.Dispose());
    }
}
