using System.Management.Automation;
using RedisCluster.Engine.Administration;
using RedisCluster.Engine.Cluster;
using RedisCluster.PowerShell.Conversion;

namespace RedisCluster.PowerShell.Commands
{
    /// <summary>Adds an empty node to a cluster as an empty primary or a replica (redis-cli --cluster add-node).</summary>
    [Cmdlet(VerbsCommon.Add, "RedisClusterNode", SupportsShouldProcess = true)]
    [OutputType(typeof(ClusterNode))]
    public sealed class AddRedisClusterNodeCommand : RedisAdministrationCmdlet
    {
        /// <summary>host:port of the new, empty, cluster-enabled node.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("ComputerName", "Server", "Address")]
        [NodeEndpointTransformation]
        [ValidateNotNullOrEmpty]
        public string Endpoint { get; set; } = string.Empty;

        /// <summary>host:port of any member of the cluster.</summary>
        [Parameter(Mandatory = true, Position = 1)]
        [NodeEndpointTransformation]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(Completion.ClusterNodeCompleter))]
        public string Cluster { get; set; } = string.Empty;

        /// <summary>The primary to replicate: its id (or a unique prefix) or its endpoint.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(Completion.ClusterNodeCompleter))]
        public string? ReplicaOf { get; set; }

        /// <summary>Replicate the primary that has the fewest replicas (not with -ReplicaOf).</summary>
        [Parameter]
        public SwitchParameter AsReplica { get; set; }

        protected override void ProcessRecord()
        {
            if (AsReplica && ReplicaOf != null)
            {
                ThrowTerminatingError(new ErrorRecord(new System.ArgumentException("-AsReplica picks the primary itself; give either -AsReplica or -ReplicaOf, not both."),
                    "RedisClusterConflictingRole", ErrorCategory.InvalidArgument, Endpoint));
            }

            var endpoints = ParseEndpoints(new[] { Endpoint, Cluster });
            NewNodeRole role = ReplicaOf != null ? NewNodeRole.ReplicaOfGiven : AsReplica ? NewNodeRole.ReplicaOfLeastReplicated : NewNodeRole.EmptyPrimary;
            AdministrationContext context = CreateContext();
            using (NodeAddition addition = Run(NodeAddition.PrepareAsync(endpoints[0], endpoints[1], role, ReplicaOf, context, CancelToken), Endpoint))
            {
                CompleteProgress();
                if (!ShouldProcess(endpoints[0].ToString(), addition.ToString()))
                {
                    return;
                }

                ClusterNode node = Run(addition.AddAsync(CancelToken), Endpoint);
                CompleteProgress();
                WriteObject(node);
            }
        }
    }
}
