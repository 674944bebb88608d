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
    /// Checks a cluster as redis-cli --cluster check does: reads the topology from the first reachable
    /// seed, then asks every node it names for its own view, state, open slots and replication link.
    /// </summary>
    public static class ClusterChecker
    {
        private const string Activity = "Checking the Redis Cluster";

        /// <summary>Checks until the cluster is healthy or the context's timeout passes; returns the last result either way.</summary>
        public static Task<ClusterCheckResult> WaitHealthyAsync(IReadOnlyList<RedisEndpoint> seeds, AdministrationContext context, CancellationToken cancellationToken)
            => WaitForAsync(seeds, context, r => r.IsHealthy, "the cluster is healthy", cancellationToken);

        /// <summary>
        /// Checks until no slot is open or uncovered and the reachable nodes agree on the slot map (what a fix
        /// changes), or the timeout passes; problems a fix does not touch (a failed node) do not hold it up.
        /// </summary>
        public static Task<ClusterCheckResult> WaitSlotsSettledAsync(IReadOnlyList<RedisEndpoint> seeds, AdministrationContext context, CancellationToken cancellationToken)
            => WaitForAsync(seeds, context, r => r.OpenSlots.Count == 0 && r.UncoveredSlots.Count == 0 && r.ConfigurationConflicts.Count == 0,
                "the nodes agree on the slot map", cancellationToken);

        private static async Task<ClusterCheckResult> WaitForAsync(IReadOnlyList<RedisEndpoint> seeds, AdministrationContext context,
            Func<ClusterCheckResult, bool> done, string what, CancellationToken cancellationToken)
        {
            DateTime deadline = DateTime.UtcNow + context.Timeout;
            while (true)
            {
                ClusterCheckResult result = await CheckAsync(seeds, context, cancellationToken).ConfigureAwait(false);
                if (done(result) || DateTime.UtcNow >= deadline)
                {
                    return result;
                }

                context.Progress?.Report(new AdministrationProgress(Activity, "Waiting until " + what + " (" + result.Problems[0] + ").", -1));
                await Task.Delay(context.PollInterval, cancellationToken).ConfigureAwait(false);
            }
        }

        public static async Task<ClusterCheckResult> CheckAsync(IReadOnlyList<RedisEndpoint> seeds, AdministrationContext context, CancellationToken cancellationToken)
        {
            using (NodeSession seed = await OpenFirstAsync(seeds, context, cancellationToken).ConfigureAwait(false))
            {
                if (!await seed.IsClusterEnabledAsync(cancellationToken).ConfigureAwait(false))
                {
                    throw new AdministrationException(AdministrationFailure.NotClusterEnabled, seed.Endpoint.ToString(),
                        "Node " + seed.Endpoint + " is not a cluster node (it runs with cluster-enabled no); give the endpoint of a node of the cluster to check.");
                }

                string seedText = await seed.ClusterNodesTextAsync(cancellationToken).ConfigureAwait(false);
                IReadOnlyList<ClusterNode> nodes = ShardOrder.Sort(NodesReplyParser.Parse(seedText, seed.Connection.Options.UseTls, seed.Endpoint));
                var problems = new List<NodeProblem>();
                var openSlots = new List<OpenSlot>();
                Dictionary<string, string> seedMap = SlotMap(nodes);
                var checks = nodes.Select(n => CheckNodeAsync(n, seed, seedMap, context, cancellationToken)).ToList();
                NodeCheck[] results = await Task.WhenAll(checks).ConfigureAwait(false);
                foreach (NodeCheck check in results)
                {
                    problems.AddRange(check.Problems);
                    openSlots.AddRange(check.OpenSlots);
                }

                bool[] owned = SlotRanges.ToFlags(nodes.Where(n => n.IsPrimary).SelectMany(n => n.Slots));
                return new ClusterCheckResult(seed.Endpoint.ToString(), nodes, SlotRanges.FromFlags(owned, false), Unserved(nodes, results, owned), openSlots, problems);
            }
        }

        private static async Task<NodeSession> OpenFirstAsync(IReadOnlyList<RedisEndpoint> seeds, AdministrationContext context, CancellationToken cancellationToken)
        {
            AdministrationException? last = null;
            foreach (RedisEndpoint seed in seeds)
            {
                try
                {
                    return await context.OpenAsync(seed, cancellationToken).ConfigureAwait(false);
                }
                catch (AdministrationException ex)
                {
                    last = ex;
                }
            }

            throw last ?? new AdministrationException(AdministrationFailure.InvalidRequest, null, "No endpoint was given.");
        }

        /// <summary>
        /// The slots the seed's view gives to a primary but no primary serves by its own view (each points at
        /// another, so a client following MOVED goes round in a loop). Known only when every primary answered.
        /// </summary>
        private static IReadOnlyList<SlotRange> Unserved(IReadOnlyList<ClusterNode> nodes, NodeCheck[] results, bool[] owned)
        {
            List<NodeCheck> primaries = results.Where((_, i) => nodes[i].IsPrimary).ToList();
            if (primaries.Any(p => p.Served == null))
            {
                return Array.Empty<SlotRange>();
            }

            bool[] served = SlotRanges.ToFlags(primaries.SelectMany(p => p.Served!));
            return SlotRanges.FromFlags(Enumerable.Range(0, SlotRange.SlotCount).Select(s => owned[s] && !served[s]).ToArray(), true);
        }

        private static async Task<NodeCheck> CheckNodeAsync(
            ClusterNode node, NodeSession seed, Dictionary<string, string> seedMap, AdministrationContext context, CancellationToken cancellationToken)
        {
            var problems = new List<NodeProblem>();
            var openSlots = new List<OpenSlot>();
            IReadOnlyList<SlotRange>? served = null;
            string name = node.Endpoint?.ToString() ?? "(no address)";
            void Add(NodeProblemKind kind, string detail) => problems.Add(new NodeProblem(node.Id, name, kind, detail));

            if (node.HasFlag("fail"))
            {
                Add(NodeProblemKind.Failed, "flagged as failed (" + string.Join(",", node.Flags) + ") by " + seed.Endpoint);
            }
            else if (node.HasFlag("fail?") || node.HasFlag("noaddr"))
            {
                Add(NodeProblemKind.FailureSuspected, "suspected by " + seed.Endpoint + " (" + string.Join(",", node.Flags) + ")");
            }

            if (node.Endpoint == null)
            {
                return new NodeCheck(problems, openSlots, served);
            }

            NodeSession session;
            try
            {
                session = node.IsMyself ? seed : await context.OpenAsync(node.Endpoint, cancellationToken).ConfigureAwait(false);
            }
            catch (AdministrationException ex)
            {
                Add(NodeProblemKind.Unreachable, "cannot be reached: " + (ex.InnerException?.Message ?? ex.Message).TrimEnd('.'));
                return new NodeCheck(problems, openSlots, served);
            }

            try
            {
                Dictionary<string, string> info = await session.ClusterInfoAsync(cancellationToken).ConfigureAwait(false);
                string state = info.TryGetValue("cluster_state", out string? s) ? s : "?";
                if (state != "ok")
                {
                    Add(NodeProblemKind.ClusterStateNotOk, "reports cluster_state:" + state);
                }

                string text = await session.ClusterNodesTextAsync(cancellationToken).ConfigureAwait(false);
                openSlots.AddRange(OpenSlotsOf(text, node.Id, name, seed.Endpoint));
                var view = NodesReplyParser.Parse(text, session.Connection.Options.UseTls, session.Endpoint);
                ClusterNode? myself = view.FirstOrDefault(n => n.IsMyself);
                served = myself != null && myself.IsPrimary ? myself.Slots : null;
                string? difference = Difference(SlotMap(view), seedMap, view);
                if (difference != null)
                {
                    Add(NodeProblemKind.ConfigurationDiffers, "disagrees with " + seed.Endpoint + " on the slot map: " + difference);
                }

                if (node.IsReplica)
                {
                    Dictionary<string, string> replication = await session.InfoAsync("replication", cancellationToken).ConfigureAwait(false);
                    string link = replication.TryGetValue("master_link_status", out string? l) ? l : "?";
                    if (link != "up")
                    {
                        Add(NodeProblemKind.ReplicaLinkDown, "replica with master_link_status:" + link);
                    }
                }
            }
            catch (AdministrationException ex)
            {
                Add(NodeProblemKind.Unreachable, ex.Message);
            }
            catch (Errors.RedisConnectionException ex)
            {
                Add(NodeProblemKind.Unreachable, "stopped answering: " + ex.Message);
            }
            finally
            {
                if (!ReferenceEquals(session, seed))
                {
                    session.Dispose();
                }
            }

            return new NodeCheck(problems, openSlots, served);
        }

        /// <summary>Primary id to its slots, for the primaries that own any: the part of a view two nodes must agree on.</summary>
        private static Dictionary<string, string> SlotMap(IEnumerable<ClusterNode> view)
            => view.Where(n => n.IsPrimary && n.Slots.Count > 0).ToDictionary(n => n.Id, n => SlotRanges.Format(SlotRanges.Normalize(n.Slots)), StringComparer.Ordinal);

        private static string? Difference(Dictionary<string, string> mine, Dictionary<string, string> seed, IReadOnlyList<ClusterNode> view)
        {
            var differences = new List<string>();
            foreach (string id in mine.Keys.Union(seed.Keys).OrderBy(i => i, StringComparer.Ordinal))
            {
                mine.TryGetValue(id, out string? here);
                seed.TryGetValue(id, out string? there);
                if (here != there)
                {
                    string who = view.FirstOrDefault(n => n.Id == id)?.Endpoint?.ToString() ?? id;
                    differences.Add(who + " owns " + (here ?? "no slots") + " here, " + (there ?? "no slots") + " there");
                }
            }

            return differences.Count == 0 ? null : string.Join("; ", differences);
        }

        /// <summary>The "[slot->-id]" (migrating) and "[slot-&lt;-id]" (importing) markers of the node's own line.</summary>
        internal static IEnumerable<OpenSlot> OpenSlotsOf(string nodesText, string nodeId, string endpoint, RedisEndpoint queried)
        {
            var known = NodesReplyParser.Parse(nodesText, false, queried).ToDictionary(n => n.Id, n => n.Endpoint?.ToString() ?? n.Id, StringComparer.Ordinal);
            foreach (string raw in nodesText.Split('\n'))
            {
                string[] fields = raw.Trim().Split(' ');
                if (fields.Length < 9 || !fields[2].Split(',').Contains("myself"))
                {
                    continue;
                }

                foreach (string field in fields.Skip(8).Where(f => f.StartsWith("[", StringComparison.Ordinal) && f.EndsWith("]", StringComparison.Ordinal)))
                {
                    string inner = field.Substring(1, field.Length - 2);
                    bool migrating = inner.Contains("->-");
                    string[] parts = inner.Split(new[] { migrating ? "->-" : "-<-" }, StringSplitOptions.None);
                    if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int slot))
                    {
                        yield return new OpenSlot(slot, nodeId, endpoint, migrating ? OpenSlotState.Migrating : OpenSlotState.Importing, parts[1],
                            known.TryGetValue(parts[1], out string? other) ? other : null);
                    }
                }
            }
        }

        /// <summary>What the check of one node found; <see cref="Served"/> is null unless it is a primary that answered.</summary>
        private sealed class NodeCheck
        {
            public NodeCheck(List<NodeProblem> problems, List<OpenSlot> openSlots, IReadOnlyList<SlotRange>? served)
            {
                Problems = problems;
                OpenSlots = openSlots;
                Served = served;
            }

            public List<NodeProblem> Problems { get; }

            public List<OpenSlot> OpenSlots { get; }

            /// <summary>The slots the node's own view gives it.</summary>
            public IReadOnlyList<SlotRange>? Served { get; }
        }
    }
}
