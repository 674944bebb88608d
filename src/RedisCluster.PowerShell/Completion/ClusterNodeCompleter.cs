using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Administration;
using RedisCluster.Engine.Client;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Routing;
using RedisCluster.PowerShell.Session;

namespace RedisCluster.PowerShell.Completion
{
    /// <summary>
    /// Completes the node parameters of the administration cmdlets (-Destination, -Cluster, -ReplicaOf,
    /// -NodeId...): endpoints and node ids, the tooltip naming the node's endpoint, role and slots. The nodes
    /// come from the session's cluster connections and from the cluster a member on the command line names
    /// (-Cluster or -Endpoint, with the line's credential and TLS parameters), asked with CLUSTER NODES within
    /// a few seconds (-ConnectTimeout when the line has one) and kept briefly; a completer must not throw or hang, so any failure offers what is known.
    /// </summary>
    public sealed class ClusterNodeCompleter : IArgumentCompleter
    {
        /// <summary>An answer (or failure) is reused this long: node ids change only when the cluster does.</summary>
        private static readonly TimeSpan KeepFor = TimeSpan.FromSeconds(10);

        /// <summary>Parameters that only take a primary: a replica is refused there, so it is not offered.</summary>
        private static readonly string[] PrimaryOnly = { "Destination", "ReplicaOf" };

        private static readonly string[] MemberParameters = { "Cluster", "Endpoint" };

        private static readonly ConcurrentDictionary<string, (Task<IReadOnlyList<ClusterNode>> Nodes, DateTime Asked)> ByMember
            = new ConcurrentDictionary<string, (Task<IReadOnlyList<ClusterNode>>, DateTime)>(StringComparer.OrdinalIgnoreCase);

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var nodes = new Dictionary<string, ClusterNode>(StringComparer.OrdinalIgnoreCase);
            foreach (ClusterNode node in Asked(parameterName, fakeBoundParameters).Concat(Connected()))
            {
                if (!nodes.ContainsKey(node.Id))
                {
                    nodes[node.Id] = node;
                }
            }

            bool primariesOnly = PrimaryOnly.Contains(parameterName, StringComparer.OrdinalIgnoreCase);
            string prefix = (wordToComplete ?? string.Empty).Trim('\'', '"');
            var offered = nodes.Values.Where(n => !primariesOnly || n.IsPrimary).OrderBy(n => n.Endpoint?.ToString(), StringComparer.Ordinal).ToList();
            var results = new List<CompletionResult>();
            foreach (ClusterNode node in offered.Where(n => n.Endpoint != null && n.Endpoint.ToString().StartsWith(prefix, StringComparison.OrdinalIgnoreCase)))
            {
                results.Add(new CompletionResult(node.Endpoint!.ToString(), node.Endpoint.ToString(), CompletionResultType.ParameterValue, Describe(node)));
            }

            foreach (ClusterNode node in offered.Where(n => n.Id.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)))
            {
                results.Add(new CompletionResult(node.Id, node.Id, CompletionResultType.ParameterValue, Describe(node)));
            }

            return results;
        }

        private static string Describe(ClusterNode node)
            => (node.Endpoint?.ToString() ?? "(no address)") + " " + (node.IsPrimary ? "primary" : "replica") + " " + node.Id
                + (node.Slots.Count > 0 ? " slots " + SlotRanges.Format(node.Slots) : string.Empty);

        private static IEnumerable<ClusterNode> Connected()
            => RedisSessionState.OpenClients().OfType<ClusterRedisClient>().SelectMany(c => c.Topology.Nodes);

        /// <summary>The nodes of the cluster the line names a member of (not the parameter being completed); none when it names none or does not answer in time.</summary>
        private static IReadOnlyList<ClusterNode> Asked(string parameterName, IDictionary parameters)
        {
            string? member = MemberParameters.Where(p => !p.Equals(parameterName, StringComparison.OrdinalIgnoreCase))
                .Select(p => First(parameters.Contains(p) ? parameters[p] : null)).FirstOrDefault(m => m != null && m.IndexOf(':') > 0);
            if (member == null)
            {
                return Array.Empty<ClusterNode>();
            }

            try
            {
                ConnectionOptions options = CommandCatalogSource.Options(parameters);
                TimeSpan timeout = CommandCatalogSource.AskTimeoutFor(parameters);
                // A credential by user and by object (never by password), as the command-name completion keys it.
                object? credential = parameters.Contains("Credential") ? parameters["Credential"] : null;
                string key = member + (options.UseTls ? " tls" : string.Empty)
                    + ((credential is PSObject wrapped ? wrapped.BaseObject : credential) is PSCredential given ? " " + given.UserName + "#" + System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(given) : string.Empty);
                var entry = ByMember.AddOrUpdate(key, _ => (Ask(member, options, timeout), DateTime.UtcNow),
                    (_, old) => DateTime.UtcNow - old.Asked > KeepFor ? (Ask(member, options, timeout), DateTime.UtcNow) : old);
                return entry.Nodes.Wait(timeout) ? entry.Nodes.Result : Array.Empty<ClusterNode>();
            }
            catch (Exception)
            {
                // A bad endpoint, refused credentials, a node that is not in a cluster: offer what the session knows.
                return Array.Empty<ClusterNode>();
            }
        }

        private static Task<IReadOnlyList<ClusterNode>> Ask(string member, ConnectionOptions options, TimeSpan timeout)
            => Task.Run(async () =>
            {
                using var deadline = new CancellationTokenSource(timeout);
                var context = new AdministrationContext(options, timeout);
                using NodeSession session = await context.OpenAsync(RedisEndpoint.Parse(member), deadline.Token).ConfigureAwait(false);
                return await session.ClusterNodesAsync(deadline.Token).ConfigureAwait(false);
            });

        private static string? First(object? value)
        {
            object? item = value is PSObject ps ? ps.BaseObject : value;
            if (item is ClusterNode node)
            {
                return node.Endpoint?.ToString();
            }

            if (item is IEnumerable items && !(item is string))
            {
                return items.Cast<object?>().Select(First).FirstOrDefault(t => t != null);
            }

            return item?.ToString();
        }
    }
}
