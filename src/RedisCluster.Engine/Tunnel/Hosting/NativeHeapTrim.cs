using System;
using System.Runtime.InteropServices;

namespace RedisCluster.Engine.Tunnel.Hosting
{
    /// <summary>
    /// Hands the C heap's free pages back to the system (glibc's malloc_trim). Thousands of sockets leave their
    /// native allocations (the runtime's per-socket state) freed but still resident in glibc's per-thread arenas,
    /// which return memory only from an arena's top: after a soak's 5,000 idle clients left, a forced collection
    /// had freed the managed side and 10 MB stayed resident in the arenas until a trim released it. A no-op where
    /// there is no glibc (Windows, macOS, musl).
    /// </summary>
    internal static class NativeHeapTrim
    {
        private static bool _unavailable = !RuntimeInformation.IsOSPlatform(OSPlatform.Linux);

        public static void Run()
        {
            if (_unavailable)
            {
                return;
            }

            try
            {
                MallocTrim(UIntPtr.Zero);
            }
            catch (Exception ex) when (ex is DllNotFoundException || ex is EntryPointNotFoundException)
            {
                _unavailable = true;
            }
        }

        [DllImport("libc", EntryPoint = "malloc_trim")]
        private static extern int MallocTrim(UIntPtr pad);
    }
}
