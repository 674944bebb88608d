using System;
using System.Collections.Generic;
using System.Management.Automation;
using RedisCluster.Engine.Administration;
using RedisCluster.Engine.Connections;
using RedisCluster.PowerShell.Conversion;

namespace RedisCluster.PowerShell.Commands
{
    /// <summary>Checks a cluster as redis-cli --cluster check does; with -Fix, repairs open, unserved and uncovered slots; with -Wait, until it is healthy.</summary>
    [Cmdlet(VerbsDiagnostic.Test, "RedisCluster", SupportsShouldProcess = true)]
    [OutputType(typeof(ClusterCheckResult))]
    public sealed class TestRedisClusterCommand : RedisAdministrationCmdlet
    {
        private readonly List<string> _endpoints = new List<string>();

        /// <summary>host:port of any node (several: the first that answers); also from the pipeline.</summary>
        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("ComputerName", "Server", "Address")]
        [NodeEndpointTransformation]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(Completion.ClusterNodeCompleter))]
        public string[] Endpoint { get; set; } = { "localhost:6379" };

        /// <summary>Check again until the cluster is healthy or -Timeout passes.</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        /// <summary>Finish or close open slots and assign uncovered ones (redis-cli --cluster fix), then check again.</summary>
        [Parameter]
        public SwitchParameter Fix { get; set; }

        protected override void ProcessRecord() => _endpoints.AddRange(Endpoint);

        protected override void EndProcessing()
        {
            List<RedisEndpoint> seeds = ParseEndpoints(_endpoints.Count > 0 ? _endpoints : new List<string>(Endpoint));
            string target = string.Join(", ", seeds);
            AdministrationContext context = CreateContext();
            if (Fix)
            {
                Repair(seeds, context, target);
            }

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

        /// <summary>Checks, and repairs what it found once confirmed; the check afterwards waits for the nodes to agree on it.</summary>
        private void Repair(List<RedisEndpoint> seeds, AdministrationContext context, string target)
        {
            ClusterCheckResult before = Run(ClusterChecker.CheckAsync(seeds, context, CancelToken), target);
            CompleteProgress();
            if (!ClusterFixer.CanFix(before))
            {
                WriteVerbose("No open, unserved or uncovered slot to fix.");
                return;
            }

            using (ClusterFixer fixer = Run(ClusterFixer.PrepareAsync(before, new SlotMoveOptions(), context, CancelToken), target))
            {
                CompleteProgress();
                if (!ShouldProcess(before.Endpoint, fixer.ToString()))
                {
                    return;
                }

                foreach (string action in Run(fixer.FixAsync(CancelToken), target))
                {
                    WriteVerbose(action);
                }

                Run(ClusterChecker.WaitSlotsSettledAsync(seeds, context, CancelToken), target);
                CompleteProgress();
            }
        }
    }
}
