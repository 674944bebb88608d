using System.Management.Automation;
using RedisCluster.Engine.Tunnel;
using RedisCluster.PowerShell.Tunnel;

namespace RedisCluster.PowerShell.Commands
{
    /// <summary>Lists the tunnels running in this PowerShell process.</summary>
    [Cmdlet(VerbsCommon.Get, "RedisTunnel", DefaultParameterSetName = NameSet)]
    [OutputType(typeof(RedisTunnel))]
    public sealed class GetRedisTunnelCommand : PSCmdlet
    {
        private const string NameSet = "Name";
        private const string IdSet = "Id";

        /// <summary>Tunnel names; wildcards allowed.</summary>
        [Parameter(Position = 0, ParameterSetName = NameSet)]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(Completion.TunnelNameCompleter))]
        [ValidateNotNullOrEmpty]
        public string[]? Name { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = IdSet)]
        public int[]? Id { get; set; }

        protected override void ProcessRecord()
        {
            foreach (RedisTunnel tunnel in TunnelSelection.Select(this, Name, Id, reportMissing: Name != null || Id != null))
            {
                WriteObject(tunnel);
            }
        }
    }
}
