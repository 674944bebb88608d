using System.Runtime.InteropServices;

namespace RedisCluster.Engine.Connections.EventLoop
{
    /// <summary>The libc calls and flags more than one of the event loop's native parts use (descriptors they open and close).</summary>
    internal static class LibC
    {
        /// <summary>O_CLOEXEC (EPOLL_CLOEXEC, SOCK_CLOEXEC and EFD_CLOEXEC are the same bit): a child process must not inherit the tunnel's descriptors.</summary>
        public const int CloseOnExec = 0x80000;

        [DllImport("libc", SetLastError = true)]
        public static extern int close(int fd);
    }
}
