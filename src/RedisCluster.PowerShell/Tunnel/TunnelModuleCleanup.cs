using System.Management.Automation;

namespace RedisCluster.PowerShell.Tunnel
{
    /// <summary>Stops the tunnels a runspace started when it removes the module (Remove-Module), so no port stays open.</summary>
    public sealed class TunnelModuleCleanup : IModuleAssemblyCleanup
    {
        public void OnRemove(PSModuleInfo psModuleInfo) => TunnelRegistry.StopOwnedByCurrentRunspace();
    }
}
