using System.Collections.Generic;
using System.Management.Automation;
using RedisCluster.Engine.Administration;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Connections;
using RedisCluster.PowerShell.Conversion;

namespace RedisCluster.PowerShell.Commands
{
    /// <summary>Creates a Redis Cluster from empty cluster-enabled nodes (redis-cli --cluster create) and returns its nodes.</summary>
    [Cmdlet(VerbsCommon.New, "RedisCluster", SupportsShouldProcess = true)]
    [OutputType(typeof(ClusterNode))]
    public sealed class NewRedisClusterCommand : RedisAdministrationCmdlet
    {
        private readonly List<string> _endpoints = new List<string>();

        /// <summary>host:port of every node; also from the pipeline, as strings or the Endpoint property of objects.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("ComputerName", "Server", "Address")]
        [NodeEndpointTransformation]
        [ValidateNotNullOrEmpty]
        public string[] Endpoint { get; set; } = new string[0];

        [Parameter]
        [ValidateRange(0, 16)]
        public int ReplicasPerPrimary { get; set; } = 1;

        protected override void ProcessRecord() => _endpoints.AddRange(Endpoint);

        protected override void EndProcessing()
        {
            List<RedisEndpoint> endpoints = ParseEndpoints(_endpoints);
            string target = string.Join(", ", endpoints);
            AdministrationContext context = CreateContext();
            using (ClusterCreator creator = Run(ClusterCreator.PrepareAsync(endpoints, ReplicasPerPrimary, context, CancelToken), target))
            {
                CompleteProgress();
                if (!ShouldProcess(target, "Create a Redis Cluster of " + creator.Plan))
                {
                    return;
                }

                IReadOnlyList<ClusterNode> nodes = Run(creator.CreateAsync(CancelToken), target);
                CompleteProgress();
                foreach (ClusterNode node in nodes)
                {
                    WriteObject(node);
                }
            }
        }
    }
}
