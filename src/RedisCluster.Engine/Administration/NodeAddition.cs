using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Connections;

namespace RedisCluster.Engine.Administration
{
    /// <summary>
    /// Adds an empty node to a cluster (redis-cli --cluster add-node): <see cref="PrepareAsync"/> checks
    /// the new node and finds its primary without changing anything; <see cref="AddAsync"/> joins it.
    /// </summary>
    public sealed class NodeAddition : IDisposable
    {
        private const string Activity = "Adding a node to the Redis Cluster";
        private readonly AdministrationContext _context;
        private readonly ClusterMembership _cluster;
        private readonly NodeSession _newNode;
        private readonly string _newId;

        private NodeAddition(AdministrationContext context, ClusterMembership cluster, NodeSession newNode, string newId, ClusterNode? primary)
        {
            _context = context;
            _cluster = cluster;
            _newNode = newNode;
            _newId = newId;
            Primary = primary;
        }

        /// <summary>The primary the new node will replicate; null when it joins as an empty primary.</summary>
        public ClusterNode? Primary { get; }

        public static async Task<NodeAddition> PrepareAsync(RedisEndpoint newNode, RedisEndpoint member, NewNodeRole role, string? primary, AdministrationContext context, CancellationToken cancellationToken)
        {
            ClusterMembership cluster = await ClusterMembership.ReadAsync(member, context, cancellationToken, requireAll: true).ConfigureAwait(false);
            NodeSession? session = null;
            try
            {
                session = await context.OpenAsync(newNode, cancellationToken).ConfigureAwait(false);
                (string id, _, _) = await NewNodeCheck.RunAsync(session, cancellationToken).ConfigureAwait(false);
                ClusterNode? target = null;
                if (role == NewNodeRole.ReplicaOfGiven)
                {
                    target = cluster.Find(primary ?? throw new ArgumentNullException(nameof(primary)));
                    if (!target.IsPrimary)
                    {
                        throw new AdministrationException(AdministrationFailure.InvalidState, target.Endpoint?.ToString(),
                            "Node " + target.Endpoint + " is a replica; a new replica must copy a primary (its primary is " + target.PrimaryId + ").");
                    }
                }
                else if (role == NewNodeRole.ReplicaOfLeastReplicated)
                {
                    var topology = new ClusterTopology(cluster.Nodes);
                    target = topology.Primaries.Where(p => p.Slots.Count > 0 && !p.HasFlag("fail"))
                        .OrderBy(p => topology.GetReplicasOf(p.Id).Count).FirstOrDefault()
                        ?? throw new AdministrationException(AdministrationFailure.InvalidState, member.ToString(), "The cluster has no healthy primary with slots to replicate.");
                }

                return new NodeAddition(context, cluster, session, id, target);
            }
            catch
            {
                session?.Dispose();
                cluster.Dispose();
                throw;
            }
        }

        public override string ToString()
            => "Add " + _newNode.Endpoint + " to the cluster of " + _cluster.Nodes.Count + " nodes as " + (Primary == null ? "an empty primary" : "a replica of " + Primary.Endpoint);

        /// <summary>Joins the node, attaches it to its primary, and returns it once every node agrees.</summary>
        public async Task<ClusterNode> AddAsync(CancellationToken cancellationToken)
        {
            NodeSession member = _cluster.Sessions[0];
            string ip = await NewNodeCheck.ResolveIpAsync(member).ConfigureAwait(false);
            int bus = await NewNodeCheck.BusPortAsync(member, cancellationToken).ConfigureAwait(false);
            _context.Report(Activity, "Joining " + _newNode.Endpoint + " to " + member.Endpoint + " (CLUSTER MEET).", 10);
            await _newNode.RunAsync(cancellationToken, "CLUSTER", "MEET", ip, member.Endpoint.Port.ToString(CultureInfo.InvariantCulture), bus.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
            var everyone = new List<NodeSession>(_cluster.Sessions) { _newNode };
            await _context.WaitUntilAsync(Activity, "every node knows " + _newNode.Endpoint,
                ct => ClusterAgreement.KnownNodesProblemsAsync(everyone, _cluster.Nodes.Count + 1, ct), cancellationToken).ConfigureAwait(false);
            if (Primary != null)
            {
                _context.Report(Activity, "Making " + _newNode.Endpoint + " a replica of " + Primary.Endpoint + ".", 50);
                await _newNode.RunAsync(cancellationToken, "CLUSTER", "REPLICATE", Primary.Id).ConfigureAwait(false);
            }

            List<ExpectedNode> expected = ExpectedNode.FromTopology(_cluster.Nodes);
            expected.Add(new ExpectedNode(_newId, _newNode.Endpoint.ToString(), Primary?.Id, Array.Empty<SlotRange>()));
            await _context.WaitUntilAsync(Activity, "every node agrees on the new node's role" + (Primary == null ? string.Empty : " and its link is up"),
                ct => ClusterAgreement.ProblemsAsync(everyone, expected, ct), cancellationToken).ConfigureAwait(false);
            return (await _newNode.ClusterNodesAsync(cancellationToken).ConfigureAwait(false)).First(n => n.IsMyself);
        }

        public void Dispose()
        {
            _newNode.Dispose();
            _cluster.Dispose();
        }
    }
}
