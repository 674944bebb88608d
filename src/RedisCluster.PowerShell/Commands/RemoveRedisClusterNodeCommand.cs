using System.Collections.Generic;
using System.Management.Automation;
using RedisCluster.Engine.Administration;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Connections;
using RedisCluster.PowerShell.Conversion;

namespace RedisCluster.PowerShell.Commands
{
    /// <summary>Removes a node that owns no slots from its cluster (redis-cli --cluster del-node). Writes nothing.</summary>
    [Cmdlet(VerbsCommon.Remove, "RedisClusterNode", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = NodeIdSet)]
    public sealed class RemoveRedisClusterNodeCommand : RedisAdministrationCmdlet
    {
        private const string NodeIdSet = "NodeId";
        private const string EndpointSet = "Endpoint";

        /// <summary>The id (or a unique prefix) of the node to remove; also the Id property of piped node objects.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = NodeIdSet, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(Completion.ClusterNodeCompleter))]
        public string? NodeId { get; set; }

        /// <summary>host:port of the node to remove.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = EndpointSet, ValueFromPipeline = true)]
        [ValidateNotNullOrEmpty]
        public string? Endpoint { get; set; }

        /// <summary>host:port of any other member: needed with -NodeId; with -Endpoint, the node itself is asked when this is left out.</summary>
        [Parameter]
        [NodeEndpointTransformation]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(Completion.ClusterNodeCompleter))]
        public string? Cluster { get; set; }

        protected override void ProcessRecord()
        {
            string node = NodeId ?? Endpoint!;
            if (Cluster == null && NodeId != null)
            {
                ThrowTerminatingError(new ErrorRecord(new System.ArgumentException("-NodeId needs -Cluster, the endpoint of a node of the cluster to remove it from."),
                    "RedisClusterMemberMissing", ErrorCategory.InvalidArgument, NodeId));
            }

            List<RedisEndpoint> member = ParseEndpoints(new[] { Cluster ?? Endpoint! });
            AdministrationContext context = CreateContext();
            using (NodeRemoval removal = Run(NodeRemoval.PrepareAsync(member[0], node, context, CancelToken), node))
            {
                CompleteProgress();
                if (!ShouldProcess(node, removal.ToString()))
                {
                    return;
                }

                IReadOnlyList<ClusterNode> remaining = Run(removal.RemoveAsync(CancelToken), node);
                CompleteProgress();
                WriteVerbose("The cluster now has " + remaining.Count + " nodes.");
            }
        }
    }
}
