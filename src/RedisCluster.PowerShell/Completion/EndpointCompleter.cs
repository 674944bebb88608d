using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using RedisCluster.Engine.Client;
using RedisCluster.Engine.Routing;
using RedisCluster.PowerShell.Session;

namespace RedisCluster.PowerShell.Completion
{
    /// <summary>Completes endpoints the session knows: open connections and every node of their clusters.</summary>
    public sealed class EndpointCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var endpoints = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (RedisClient client in RedisSessionState.OpenClients())
            {
                endpoints.Add(client.Endpoint.ToString());
                if (client is ClusterRedisClient cluster)
                {
                    foreach (var node in cluster.Topology.Nodes.Where(n => n.Endpoint != null))
                    {
                        endpoints.Add(node.Endpoint!.ToString());
                    }
                }
            }

            string prefix = (wordToComplete ?? string.Empty).Trim('\'', '"');
            return endpoints
                .Where(e => e.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                .Select(e => new CompletionResult(e, e, CompletionResultType.ParameterValue, e));
        }
    }
}
