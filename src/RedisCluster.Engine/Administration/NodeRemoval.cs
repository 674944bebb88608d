using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Connections;

namespace RedisCluster.Engine.Administration
{
    /// <summary>
    /// Removes a node from a cluster (redis-cli --cluster del-node): every other node forgets it, then
    /// the node itself is reset so it does not gossip its way back. A primary that owns slots is refused.
    /// </summary>
    public sealed class NodeRemoval : IDisposable
    {
        private const string Activity = "Removing a node from the Redis Cluster";
        private readonly AdministrationContext _context;
        private readonly ClusterMembership _cluster;

        private NodeRemoval(AdministrationContext context, ClusterMembership cluster, ClusterNode node)
        {
            _context = context;
            _cluster = cluster;
            Node = node;
        }

        public ClusterNode Node { get; }

        /// <param name="member">Any member to read the cluster from (the node itself will do while it runs).</param>
        /// <param name="node">The node's id, a unique id prefix, or its endpoint.</param>
        public static async Task<NodeRemoval> PrepareAsync(RedisEndpoint member, string node, AdministrationContext context, CancellationToken cancellationToken)
        {
            ClusterMembership cluster = await ClusterMembership.ReadAsync(member, context, cancellationToken, requireAll: false).ConfigureAwait(false);
            try
            {
                ClusterNode target = cluster.Find(node);
                string name = target.Endpoint?.ToString() ?? target.Id;
                if (target.IsPrimary && target.Slots.Count > 0)
                {
                    throw new AdministrationException(AdministrationFailure.InvalidState, name,
                        "Node " + name + " is a primary that owns slots (" + SlotRanges.Format(SlotRanges.Normalize(target.Slots))
                        + "); move its slots to other primaries first (redis-cli --cluster reshard), or fail it over to a replica and remove it then.");
                }

                int replicas = cluster.Nodes.Count(n => n.IsReplica && n.PrimaryId == target.Id);
                if (target.IsPrimary && replicas > 0)
                {
                    throw new AdministrationException(AdministrationFailure.InvalidState, name,
                        "Node " + name + " is a primary with " + replicas + " replica(s); remove them, or make them replicate another primary, first.");
                }

                if (cluster.Nodes.Count < 2)
                {
                    throw new AdministrationException(AdministrationFailure.InvalidState, name, "Node " + name + " is the only node of its cluster.");
                }

                return new NodeRemoval(context, cluster, target);
            }
            catch
            {
                cluster.Dispose();
                throw;
            }
        }

        public override string ToString()
            => "Remove " + (Node.IsPrimary ? "primary " : "replica ") + (Node.Endpoint?.ToString() ?? "(no address)") + " (" + Node.Id + ") from the cluster";

        /// <summary>Makes every other node forget the node, resets it, and waits until no node knows it any more.</summary>
        public async Task<IReadOnlyList<ClusterNode>> RemoveAsync(CancellationToken cancellationToken)
        {
            NodeSession? removed = _cluster.Sessions.FirstOrDefault(s => Node.Endpoint != null && s.Endpoint.Equals(Node.Endpoint));
            List<NodeSession> others = _cluster.Sessions.Where(s => !ReferenceEquals(s, removed)).ToList();

            // All at once: FORGET bans the id for 60 s on each node, and a node that has not forgotten it yet
            // would otherwise gossip it back to those that have.
            _context.Report(Activity, "Sending CLUSTER FORGET " + Node.Id + " to " + others.Count + " nodes.", 20);
            await Task.WhenAll(others.Select(s => s.RunAsync(cancellationToken, "CLUSTER", "FORGET", Node.Id))).ConfigureAwait(false);
            if (removed != null)
            {
                _context.Report(Activity, "Resetting " + removed.Endpoint + " (CLUSTER RESET SOFT).", 60);
                await removed.RunAsync(cancellationToken, "CLUSTER", "RESET", "SOFT").ConfigureAwait(false);
            }

            List<ExpectedNode> expected = ExpectedNode.FromTopology(_cluster.Nodes.Where(n => n.Id != Node.Id));
            await _context.WaitUntilAsync(Activity, "no node knows " + (Node.Endpoint?.ToString() ?? Node.Id) + " any more",
                ct => ClusterAgreement.ProblemsAsync(others, expected, ct), cancellationToken).ConfigureAwait(false);
            return ShardOrder.Sort(await others[0].ClusterNodesAsync(cancellationToken).ConfigureAwait(false));
        }

        public void Dispose() => _cluster.Dispose();
    }
}
