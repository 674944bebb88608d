using System;
using System.Management.Automation;
using RedisCluster.Engine.Client;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Routing;

namespace RedisCluster.PowerShell.Commands
{
    /// <summary>One object per cluster node: id, endpoint, role, primary, slot ranges, health, replication offset.</summary>
    [Cmdlet(VerbsCommon.Get, "RedisClusterNode", DefaultParameterSetName = ConnectionSet)]
    [OutputType(typeof(ClusterNode))]
    public sealed class GetRedisClusterNodeCommand : RedisConnectionCmdlet
    {
        /// <summary>Only primaries, or only replicas.</summary>
        [Parameter]
        public ClusterNodeRole? Role { get; set; }

        /// <summary>Ask the cluster again instead of using the topology the connection already knows.</summary>
        [Parameter]
        public SwitchParameter Refresh { get; set; }

        /// <summary>A connection from Connect-Redis (also by pipeline, so that its TLS and credentials are used).</summary>
        [Parameter(ParameterSetName = ConnectionSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        public RedisClient? Connection { get; set; }

        protected override void ProcessRecord()
        {
            RedisClient client = ResolveClient(Connection, out bool owned);
            try
            {
                if (!(client is ClusterRedisClient cluster))
                {
                    string why = client.Hello.IsCluster
                        ? "The connection to " + client.Endpoint + " was opened with -Standalone, so it treats the node as one server; connect without -Standalone."
                        : "The server " + client.Endpoint + " is not a cluster node (it runs in " + client.Hello.Mode + " mode); Get-RedisClusterNode needs a Redis Cluster.";
                    WriteError(new ErrorRecord(new InvalidOperationException(why), "RedisNotACluster", ErrorCategory.InvalidOperation, client.Endpoint.ToString()));
                    return;
                }

                if (Refresh)
                {
                    Terminating(() =>
                    {
                        Await(cluster.RefreshTopologyAsync(CancelToken), client);
                        return true;
                    }, client.Endpoint.ToString());
                }

                foreach (ClusterNode node in cluster.Topology.Nodes)
                {
                    if (Role == null || node.Role == Role)
                    {
                        WriteObject(node);
                    }
                }
            }
            finally
            {
                if (owned)
                {
                    client.Dispose();
                }
            }
        }
    }
}
