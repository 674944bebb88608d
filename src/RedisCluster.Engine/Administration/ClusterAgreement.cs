using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Cluster;

namespace RedisCluster.Engine.Administration
{
    /// <summary>
    /// The conditions a change waits for: every node knows the same nodes, roles and slots as expected,
    /// reports cluster_state:ok, and every replica's link to its primary is up. Each returns the
    /// problems it finds (empty: converged), worded for the error a timeout raises.
    /// </summary>
    public static class ClusterAgreement
    {
        /// <summary>Every node lists exactly <paramref name="expected"/> nodes and none of them in handshake.</summary>
        public static async Task<IReadOnlyList<string>> KnownNodesProblemsAsync(IEnumerable<NodeSession> sessions, int expected, CancellationToken cancellationToken)
        {
            var problems = new List<string>();
            foreach (NodeSession session in sessions)
            {
                string text = await session.ClusterNodesTextAsync(cancellationToken).ConfigureAwait(false);
                string[] lines = text.Split(new[] { '\n' }, StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
                int handshakes = lines.Count(l => l.Split(' ').Length > 2 && l.Split(' ')[2].Contains("handshake"));
                if (lines.Length != expected || handshakes > 0)
                {
                    problems.Add(session.Endpoint + " knows " + (lines.Length - handshakes) + " of " + expected + " nodes"
                        + (handshakes > 0 ? " (" + handshakes + " still in handshake)" : string.Empty));
                }
            }

            return problems;
        }

        /// <summary>Empty once <paramref name="session"/>'s node knows the node <paramref name="nodeId"/>, its handshake done.</summary>
        public static async Task<IReadOnlyList<string>> UnknownNodeProblemsAsync(NodeSession session, string nodeId, CancellationToken cancellationToken)
        {
            IReadOnlyList<ClusterNode> view = await session.ClusterNodesAsync(cancellationToken).ConfigureAwait(false);
            return view.Any(n => n.Id == nodeId && !n.HasFlag("handshake") && !n.HasFlag("noaddr"))
                ? Array.Empty<string>()
                : new[] { session.Endpoint + " does not know node " + nodeId + " yet" };
        }

        /// <summary>Every node's view matches <paramref name="expected"/>, its cluster_state is ok, and the replicas' links are up.</summary>
        public static async Task<IReadOnlyList<string>> ProblemsAsync(IEnumerable<NodeSession> sessions, IReadOnlyList<ExpectedNode> expected, CancellationToken cancellationToken)
        {
            var problems = new List<string>();
            foreach (NodeSession session in sessions)
            {
                Dictionary<string, string> info = await session.ClusterInfoAsync(cancellationToken).ConfigureAwait(false);
                if (!info.TryGetValue("cluster_state", out string? state) || state != "ok")
                {
                    problems.Add(session.Endpoint + " reports cluster_state:" + (state ?? "?"));
                }

                IReadOnlyList<ClusterNode> view = await session.ClusterNodesAsync(cancellationToken).ConfigureAwait(false);
                problems.AddRange(ViewProblems(session, view, expected));
                ClusterNode? myself = view.FirstOrDefault(n => n.IsMyself);
                if (myself != null && myself.IsReplica)
                {
                    Dictionary<string, string> replication = await session.InfoAsync("replication", cancellationToken).ConfigureAwait(false);
                    if (!replication.TryGetValue("master_link_status", out string? link) || link != "up")
                    {
                        problems.Add("replica " + session.Endpoint + " has master_link_status:" + (link ?? "?"));
                    }
                }
            }

            return problems;
        }

        private static IEnumerable<string> ViewProblems(NodeSession session, IReadOnlyList<ClusterNode> view, IReadOnlyList<ExpectedNode> expected)
        {
            var byId = view.ToDictionary(n => n.Id, StringComparer.Ordinal);
            foreach (ExpectedNode want in expected)
            {
                if (!byId.TryGetValue(want.Id, out ClusterNode? seen))
                {
                    yield return session.Endpoint + " does not know " + want.Endpoint;
                    continue;
                }

                if (seen.Health == ClusterNodeHealth.Failed || seen.HasFlag("fail?"))
                {
                    yield return session.Endpoint + " flags " + want.Endpoint + " as " + string.Join(",", seen.Flags);
                }

                if (want.IsPrimary && !seen.IsPrimary)
                {
                    yield return session.Endpoint + " sees " + want.Endpoint + " as a replica, not a primary";
                }
                else if (!want.IsPrimary && (!seen.IsReplica || seen.PrimaryId != want.PrimaryId))
                {
                    string wantPrimary = expected.FirstOrDefault(e => e.Id == want.PrimaryId)?.Endpoint ?? want.PrimaryId!;
                    yield return session.Endpoint + " does not see " + want.Endpoint + " as a replica of " + wantPrimary + " yet";
                }
                else if (want.IsPrimary && !SlotRanges.Normalize(seen.Slots).SequenceEqual(want.Slots))
                {
                    yield return session.Endpoint + " sees " + want.Endpoint + " with " + SlotRanges.Format(SlotRanges.Normalize(seen.Slots))
                        + ", expected " + SlotRanges.Format(want.Slots);
                }
            }

            foreach (ClusterNode extra in view.Where(n => !expected.Any(e => e.Id == n.Id)))
            {
                yield return session.Endpoint + " still knows " + (extra.Endpoint?.ToString() ?? extra.Id);
            }
        }
    }
}
