using System.Management.Automation;

namespace RedisCluster.PowerShell.Session
{
    /// <summary>Closes the module's connections when it is removed (Remove-Module).</summary>
    public sealed class ModuleCleanup : IModuleAssemblyCleanup
    {
        public void OnRemove(PSModuleInfo psModuleInfo) => RedisSessionState.CloseAll();
    }
}
