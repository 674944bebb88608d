using System;
using System.Runtime;
using System.Threading;
using System.Threading.Tasks;

namespace RedisCluster.Engine.Tunnel.Hosting
{
    /// <summary>
    /// Gives the memory of a large command back to the system once it is done. Its arguments are large
    /// objects, which only a full collection frees and only a compacting one returns; a tunnel that then
    /// goes quiet allocates too little to cause either, and would keep a gigabyte for hours. At most one
    /// such collection every few seconds, on a pool thread, once the requests have paused (see <see cref="ReclaimSchedule"/>).
    /// </summary>
    internal static class MemoryReclaim
    {
        /// <summary>Input held by one client above which its release asks for a collection.</summary>
        public const long LargeInput = 32L * 1024 * 1024;

        /// <summary>
        /// GCCollectionMode.Aggressive (3, .NET 7 and later; this assembly targets netstandard2.0, hence by
        /// number) also decommits the memory the collection freed, instead of keeping it for the next
        /// allocations; older runtimes (Windows PowerShell 5.1) do not know it and get a forced collection.
        /// </summary>
        private static readonly GCCollectionMode Mode = Enum.IsDefined(typeof(GCCollectionMode), 3) ? (GCCollectionMode)3 : GCCollectionMode.Forced;
        private static readonly object Gate = new object();
        private static bool _pending;
        private static DateTime _firstRequest;
        private static DateTime _lastRequest;
        private static DateTime _lastCollection = DateTime.MinValue;

        public static void Request()
        {
            lock (Gate)
            {
                DateTime now = DateTime.UtcNow;
                _lastRequest = now;
                if (_pending)
                {
                    // The collection ahead moves back (see ReclaimSchedule): what asked for it is still leaving.
                    return;
                }

                _pending = true;
                _firstRequest = now;
            }

            _ = Task.Run(async () =>
            {
                while (true)
                {
                    TimeSpan wait;
                    lock (Gate)
                    {
                        DateTime now = DateTime.UtcNow;
                        wait = ReclaimSchedule.Wait(now, _firstRequest, _lastRequest, _lastCollection);
                        if (wait == TimeSpan.Zero)
                        {
                            // A request from here on asks for another collection.
                            _pending = false;
                            _lastCollection = now;
                            break;
                        }
                    }

                    await Task.Delay(wait).ConfigureAwait(false);
                }

                GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
                GC.Collect(GC.MaxGeneration, Mode, blocking: true, compacting: true);
                NativeHeapTrim.Run();
            });
        }
    }
}
