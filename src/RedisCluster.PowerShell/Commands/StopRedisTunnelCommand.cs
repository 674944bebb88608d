using System.Collections.Generic;
using System.Management.Automation;
using RedisCluster.Engine.Tunnel;
using RedisCluster.PowerShell.Tunnel;

namespace RedisCluster.PowerShell.Commands
{
    /// <summary>
    /// Stops tunnels: their listeners close first, then their connections deliver the replies they owe and
    /// close. With -PassThru the stopped tunnel is written, with its final statistics.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Stop, "RedisTunnel", DefaultParameterSetName = TunnelSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(RedisTunnel))]
    public sealed class StopRedisTunnelCommand : RedisCmdlet
    {
        private const string TunnelSet = "Tunnel";
        private const string NameSet = "Name";
        private const string IdSet = "Id";

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = TunnelSet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public RedisTunnel[]? Tunnel { get; set; }

        /// <summary>Tunnel names; wildcards allowed.</summary>
        [Parameter(Mandatory = true, ParameterSetName = NameSet)]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(Completion.TunnelNameCompleter))]
        [ValidateNotNullOrEmpty]
        public string[]? Name { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = IdSet)]
        public int[]? Id { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            IEnumerable<RedisTunnel> targets = Tunnel ?? (IEnumerable<RedisTunnel>)TunnelSelection.Select(this, Name, Id, reportMissing: true);
            foreach (RedisTunnel tunnel in targets)
            {
                if (!ShouldProcess(tunnel.ToString(), "Stop tunnel"))
                {
                    continue;
                }

                WriteVerbose("Stopping tunnel " + tunnel.Name + ": closing its listeners, then draining " + tunnel.Statistics.ClientsNow + " connection(s).");
                Await(TunnelRegistry.StopAsync(tunnel));
                WriteVerbose("Tunnel " + tunnel.Name + " stopped: " + tunnel.Statistics + ".");
                if (PassThru)
                {
                    WriteObject(tunnel);
                }
            }
        }
    }
}
