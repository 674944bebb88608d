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
    /// such collection every few seconds, on a pool thread, shortly after the request.
    /// </summary>
    internal static class MemoryReclaim
    {
        /// <summary>Input held by one client above which its release asks for a collection.</summary>
        public const long LargeInput = 32L * 1024 * 1024;

        private static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(500);

        /// <summary>
        /// GCCollectionMode.Aggressive (3, .NET 7 and later; this assembly targets netstandard2.0, hence by
        /// number) also decommits the memory the collection freed, instead of keeping it for the next
        /// allocations; older runtimes (Windows PowerShell 5.1) do not know it and get a forced collection.
        /// </summary>
        private static readonly GCCollectionMode Mode = Enum.IsDefined(typeof(GCCollectionMode), 3) ? (GCCollectionMode)3 : GCCollectionMode.Forced;
        private static readonly TimeSpan MinimumInterval = TimeSpan.FromSeconds(5);
        private static int _pending;
        private static long _lastTicks;

        public static void Request()
        {
            if (Interlocked.Exchange(ref _pending, 1) == 1)
            {
                return;
            }

            _ = Task.Run(async () =>
            {
                // Let the session drop its references first; then space the collections out.
                await Task.Delay(Delay).ConfigureAwait(false);
                TimeSpan since = TimeSpan.FromTicks(DateTime.UtcNow.Ticks - Interlocked.Read(ref _lastTicks));
                if (since < MinimumInterval)
                {
                    await Task.Delay(MinimumInterval - since).ConfigureAwait(false);
                }

                Volatile.Write(ref _pending, 0);
                Interlocked.Exchange(ref _lastTicks, DateTime.UtcNow.Ticks);
                GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
                GC.Collect(GC.MaxGeneration, Mode, blocking: true, compacting: true);
            });
        }
    }
}
