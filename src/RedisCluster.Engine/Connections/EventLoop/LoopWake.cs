using System;
using System.Runtime.InteropServices;

namespace RedisCluster.Engine.Connections.EventLoop
{
    /// <summary>
    /// An eventfd in a loop's epoll set, so that another thread can end the loop's wait when it has left the loop
    /// something to do (see <see cref="SocketEventLoop"/>'s mail). Hearing it only empties its counter: what it
    /// woke the loop for is done at the end of the turn.
    /// </summary>
    internal sealed class LoopWake : ILoopEventTarget
    {
        private const int NonBlocking = 0x800;

        private readonly int _fd;

        private LoopWake(int fd)
        {
            _fd = fd;
        }

        /// <summary>Makes the eventfd and adds it to <paramref name="loop"/>'s set.</summary>
        public static LoopWake Open(SocketEventLoop loop)
        {
            int fd = eventfd(0, LibC.CloseOnExec | NonBlocking);
            if (fd < 0)
            {
                throw new InvalidOperationException("eventfd failed with errno " + Marshal.GetLastWin32Error() + ".");
            }

            var wake = new LoopWake(fd);
            int error = loop.Register(wake, fd, Epoll.In, out _);
            if (error != 0)
            {
                LibC.close(fd);
                throw new InvalidOperationException("The event loop's wake-up descriptor could not be added to its set (errno " + error + ").");
            }

            return wake;
        }

        /// <summary>Ends the loop's wait (or its next one). Any thread.</summary>
        public void Signal()
        {
            long one = 1;
            write(_fd, ref one, (IntPtr)sizeof(long));
        }

        public void OnEvents(uint events)
        {
            // Emptied, so that the next signal is an edge again; a signal that comes meanwhile is heard as one more.
            read(_fd, out long _, (IntPtr)sizeof(long));
        }

        [DllImport("libc", SetLastError = true)]
        private static extern int eventfd(uint initval, int flags);

        [DllImport("libc", SetLastError = true)]
        private static extern IntPtr write(int fd, ref long value, IntPtr count);

        [DllImport("libc", SetLastError = true)]
        private static extern IntPtr read(int fd, out long value, IntPtr count);
    }
}
