using System.Management.Automation;
using RedisCluster.Engine.Administration;
using RedisCluster.Engine.Cluster;
using RedisCluster.PowerShell.Conversion;

namespace RedisCluster.PowerShell.Commands
{
    /// <summary>Promotes a replica to primary with CLUSTER FAILOVER and waits until the cluster shows it as primary.</summary>
    [Cmdlet(VerbsLifecycle.Invoke, "RedisFailover", SupportsShouldProcess = true)]
    [OutputType(typeof(ClusterNode))]
    public sealed class InvokeRedisFailoverCommand : RedisAdministrationCmdlet
    {
        /// <summary>host:port of the replica to promote; also node objects and the Endpoint property of piped objects.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("ComputerName", "Server", "Address")]
        [NodeEndpointTransformation]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(Completion.ClusterNodeCompleter))]
        public string Endpoint { get; set; } = string.Empty;

        [Parameter]
        public FailoverMode Mode { get; set; } = FailoverMode.Default;

        protected override void ProcessRecord()
        {
            var replica = ParseEndpoints(new[] { Endpoint })[0];
            AdministrationContext context = CreateContext();
            using (Failover failover = Run(Failover.PrepareAsync(replica, Mode, context, CancelToken), Endpoint))
            {
                CompleteProgress();
                if (!ShouldProcess(replica.ToString(), failover.ToString()))
                {
                    return;
                }

                ClusterNode promoted = Run(failover.RunAsync(CancelToken), Endpoint);
                CompleteProgress();
                WriteObject(promoted);
            }
        }
    }
}
