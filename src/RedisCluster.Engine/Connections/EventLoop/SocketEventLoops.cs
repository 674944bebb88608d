using System;
using System.IO;
using System.Net.Sockets;
using System.Threading;

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
