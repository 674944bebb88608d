using System;
using System.Collections.Generic;
using System.Management.Automation;
using RedisCluster.Engine.Administration;
using RedisCluster.Engine.Connections;
using RedisCluster.PowerShell.Conversion;

namespace RedisCluster.PowerShell.Commands
{
    /// <summary>Checks a cluster as redis-cli --cluster check does; with -Wait, until it is healthy.</summary>
    [Cmdlet(VerbsDiagnostic.Test, "RedisCluster")]
    [OutputType(typeof(ClusterCheckResult))]
    public sealed class TestRedisClusterCommand : RedisAdministrationCmdlet
    {
        private readonly List<string> _endpoints = new List<string>();

        /// <summary>host:port of any node (several: the first that answers); also from the pipeline.</summary>
        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("ComputerName", "Server", "Address")]
        [NodeEndpointTransformation]
        [ValidateNotNullOrEmpty]
        public string[] Endpoint { get; set; } = { "localhost:6379" };

        /// <summary>Check again until the cluster is healthy or -Timeout passes.</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        protected override void ProcessRecord() => _endpoints.AddRange(Endpoint);

        protected override void EndProcessing()
        {
            List<RedisEndpoint> seeds = ParseEndpoints(_endpoints.Count > 0 ? _endpoints : new List<string>(Endpoint));
            string target = string.Join(", ", seeds);
            AdministrationContext context = CreateContext();
            ClusterCheckResult result = Run(Wait
                ? ClusterChecker.WaitHealthyAsync(seeds, context, CancelToken)
                : ClusterChecker.CheckAsync(seeds, context, CancelToken), target);
            CompleteProgress();
            WriteObject(result);
            if (Wait && !result.IsHealthy)
            {
                var error = new TimeoutException("The cluster at " + result.Endpoint + " was not healthy after " + Timeout + " s: " + string.Join(" ", result.Problems));
                WriteError(new ErrorRecord(error, "RedisClusterNotHealthy", ErrorCategory.OperationTimeout, result));
            }
        }
    }
}
