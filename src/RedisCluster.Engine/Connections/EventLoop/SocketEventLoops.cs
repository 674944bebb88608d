using System;
using System.IO;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace RedisCluster.Engine.Connections.EventLoop
{
    /// <summary>
    /// The process's event loops, one per processor, started when first needed; connections are spread over them in
    /// turn. Null where epoll is not available (Windows, macOS, Windows PowerShell): callers then use the runtime's
    /// sockets. <c>REDISCLUSTER_EVENT_LOOPS=0</c> turns them off, any other number sets how many there are.
    /// </summary>
    internal static class SocketEventLoops
    {
        private static readonly Lazy<SocketEventLoop[]> Loops = new Lazy<SocketEventLoop[]>(StartAll);
        private static int _next;

        public static bool IsEnabled { get; } = Epoll.IsSupported && Count() > 0;

        /// <summary>The next loop in turn, or null when there are none.</summary>
        public static SocketEventLoop? Next()
        {
            if (!IsEnabled)
            {
                return null;
            }

            SocketEventLoop[] loops = Loops.Value;
            int index = (int)((uint)Interlocked.Increment(ref _next) % (uint)loops.Length);
            return loops[index];
        }

        /// <summary>How many loops there are: 0 when there are none.</summary>
        public static int LoopCount => IsEnabled ? Loops.Value.Length : 0;

        /// <summary>The loop at <paramref name="index"/> (0 to <see cref="LoopCount"/> - 1).</summary>
        public static SocketEventLoop At(int index) => Loops.Value[index];

        /// <summary>Where <paramref name="loop"/> is among the loops; -1 for none of them.</summary>
        public static int IndexOf(SocketEventLoop? loop) => loop == null || !IsEnabled ? -1 : Array.IndexOf(Loops.Value, loop);

        /// <summary>
        /// Passed once every other loop than <paramref name="own"/> has handled the events that were ready on it when this
        /// was asked, and run what they started (see <see cref="LoopBarrier"/>). A session on <paramref name="own"/> asks
        /// before it lets a command overtake others: its own loop heard the bytes in the order they came, the others
        /// may be hearing earlier ones at this moment. At once with one loop, or none.
        /// </summary>
        public static Task OthersCaughtUpAsync(SocketEventLoop? own)
        {
            if (own == null || !IsEnabled)
            {
                return Task.CompletedTask;
            }

            SocketEventLoop[] loops = Loops.Value;
            return loops.Length < 2 ? Task.CompletedTask : SocketEventLoop.BarrierAsync(loops, own);
        }

        /// <summary>An accepted socket as a stream: on <paramref name="loop"/> when there is one, else on the runtime's sockets. The stream owns the socket.</summary>
        public static Stream StreamOf(Socket socket, SocketEventLoop? loop)
            => loop != null ? LoopSocketStream.Attach(loop, socket) : new NetworkStream(socket, ownsSocket: true);

        private static SocketEventLoop[] StartAll()
        {
            var loops = new SocketEventLoop[Count()];
            for (int i = 0; i < loops.Length; i++)
            {
                loops[i] = SocketEventLoop.Start("RedisCluster socket loop " + (i + 1));
            }

            return loops;
        }

        private static int Count()
        {
            string? setting = Environment.GetEnvironmentVariable("REDISCLUSTER_EVENT_LOOPS");
            if (!string.IsNullOrEmpty(setting) && int.TryParse(setting, out int count) && count >= 0)
            {
                return Math.Min(count, 64);
            }

            return Math.Max(1, Environment.ProcessorCount);
        }
    }
}
