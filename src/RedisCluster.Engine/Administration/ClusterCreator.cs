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
    /// Creates a cluster from empty nodes, as redis-cli --cluster create does: checks every node first
    /// (<see cref="PrepareAsync"/> changes nothing), then assigns slots and config epochs, joins the
    /// nodes with CLUSTER MEET, attaches the replicas, and waits until every node agrees.
    /// </summary>
    public sealed class ClusterCreator : IDisposable
    {
        private const string Activity = "Creating the Redis Cluster";
        private readonly AdministrationContext _context;
        private readonly List<NodeSession> _sessions;

        private ClusterCreator(AdministrationContext context, List<NodeSession> sessions, ClusterCreationPlan plan)
        {
            _context = context;
            _sessions = sessions;
            Plan = plan;
        }

        public ClusterCreationPlan Plan { get; }

        /// <summary>Connects to every node, checks that each can join a new cluster, and plans the cluster. Changes nothing.</summary>
        public static async Task<ClusterCreator> PrepareAsync(IReadOnlyList<RedisEndpoint> endpoints, int replicasPerPrimary, AdministrationContext context, CancellationToken cancellationToken)
        {
            if (replicasPerPrimary < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(replicasPerPrimary));
            }

            RedisEndpoint? repeated = endpoints.GroupBy(e => e).Where(g => g.Count() > 1).Select(g => g.Key).FirstOrDefault();
            if (repeated != null)
            {
                throw new AdministrationException(AdministrationFailure.InvalidRequest, repeated.ToString(), "Node " + repeated + " was given more than once.");
            }

            // Before connecting, so the error does not depend on which nodes are up.
            ClusterCreationPlan.CheckNodeCount(endpoints.Count, replicasPerPrimary);

            context.Report(Activity, "Checking " + endpoints.Count + " nodes.", 0);
            List<NodeSession> sessions = await context.OpenAllAsync(endpoints, cancellationToken).ConfigureAwait(false);
            try
            {
                var checkedNodes = new List<(NodeSession, string, string, int)>();
                var ids = new Dictionary<string, NodeSession>(StringComparer.Ordinal);
                foreach (NodeSession session in sessions)
                {
                    (string id, string ip, int bus) = await NewNodeCheck.RunAsync(session, cancellationToken).ConfigureAwait(false);
                    if (ids.TryGetValue(id, out NodeSession? same))
                    {
                        throw new AdministrationException(AdministrationFailure.InvalidRequest, session.Endpoint.ToString(),
                            same.Endpoint + " and " + session.Endpoint + " are the same node (id " + id + "); give each node once.");
                    }

                    ids.Add(id, session);
                    checkedNodes.Add((session, id, ip, bus));
                }

                ClusterCreationPlan plan = ClusterCreationPlan.Build(checkedNodes, replicasPerPrimary);
                context.Log.Verbose("Plan: " + plan + ".");
                return new ClusterCreator(context, sessions, plan);
            }
            catch
            {
                sessions.ForEach(s => s.Dispose());
                throw;
            }
        }

        /// <summary>Carries out the plan and returns the nodes (each primary followed by its replicas) once every node agrees.</summary>
        public async Task<IReadOnlyList<ClusterNode>> CreateAsync(CancellationToken cancellationToken)
        {
            IReadOnlyList<PlannedNode> nodes = Plan.Nodes;
            foreach (PlannedNode primary in Plan.Primaries)
            {
                _context.Report(Activity, "Assigning slots " + primary.Slots + " to " + primary.Endpoint + ".", 10);
                await AddSlotsAsync(primary, cancellationToken).ConfigureAwait(false);
            }

            // Distinct epochs, so the nodes never need to resolve a collision before they agree (redis-cli does the same).
            for (int i = 0; i < nodes.Count; i++)
            {
                await nodes[i].Session.RunAsync(cancellationToken, "CLUSTER", "SET-CONFIG-EPOCH", (i + 1).ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
            }

            // Primaries join the first node; each replica joins its own primary, which it then knows after one
            // handshake instead of after gossip about it has come round.
            PlannedNode first = nodes[0];
            for (int i = 1; i < nodes.Count; i++)
            {
                PlannedNode meet = nodes[i].Primary ?? first;
                _context.Report(Activity, "Joining " + nodes[i].Endpoint + " to " + meet.Endpoint + " (CLUSTER MEET).", 20 + (20 * i / nodes.Count));
                await nodes[i].Session.RunAsync(cancellationToken, "CLUSTER", "MEET", meet.MeetIp,
                    meet.Endpoint.Port.ToString(CultureInfo.InvariantCulture), meet.BusPort.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
            }

            // Each replica is attached as soon as it knows its primary (CLUSTER REPLICATE needs that), so that
            // replication starts while gossip still spreads the rest of the membership; the wait below covers both.
            foreach (PlannedNode replica in Plan.Replicas)
            {
                PlannedNode primary = replica.Primary!;
                await _context.WaitUntilAsync(Activity, replica.Endpoint + " knows its primary " + primary.Endpoint,
                    ct => ClusterAgreement.UnknownNodeProblemsAsync(replica.Session, primary.NodeId, ct), cancellationToken).ConfigureAwait(false);
                _context.Report(Activity, "Making " + replica.Endpoint + " a replica of " + primary.Endpoint + ".", 60);
                await replica.Session.RunAsync(cancellationToken, "CLUSTER", "REPLICATE", primary.NodeId).ConfigureAwait(false);
            }

            var expected = nodes.Select(n => new ExpectedNode(n.NodeId, n.Endpoint.ToString(), n.Primary?.NodeId,
                n.Slots is SlotRange r ? new[] { r } : Array.Empty<SlotRange>())).ToList();
            await _context.WaitUntilAsync(Activity, "every node reports cluster_state:ok, agrees on the slots and roles, and every replica is in sync",
                ct => ClusterAgreement.ProblemsAsync(_sessions, expected, ct), cancellationToken).ConfigureAwait(false);
            _context.Report(Activity, "The cluster is ready.", 100);

            // CLUSTER NODES, not SHARDS: SHARDS calls a replica "loading" until its primary's first replication
            // ping (10 s by default), though it is in sync; NODES reports it online, with its flags.
            return ShardOrder.Sort(await first.Session.ClusterNodesAsync(cancellationToken).ConfigureAwait(false));
        }

        private static async Task AddSlotsAsync(PlannedNode primary, CancellationToken cancellationToken)
        {
            SlotRange range = primary.Slots!.Value;
            if (!Version.TryParse(primary.Session.Hello.Version, out Version? version) || version.Major >= 7)
            {
                await primary.Session.RunAsync(cancellationToken, "CLUSTER", "ADDSLOTSRANGE",
                    range.Start.ToString(CultureInfo.InvariantCulture), range.End.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
                return;
            }

            // Before 7.0 there is no ADDSLOTSRANGE: every slot is named.
            var arguments = new List<string> { "CLUSTER", "ADDSLOTS" };
            for (int slot = range.Start; slot <= range.End; slot++)
            {
                arguments.Add(slot.ToString(CultureInfo.InvariantCulture));
            }

            await primary.Session.RunAsync(cancellationToken, arguments.ToArray()).ConfigureAwait(false);
        }

        public void Dispose() => _sessions.ForEach(s => s.Dispose());
    }
}
