using System;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.InteropServices;

namespace RedisCluster.Engine.Connections.EventLoop
{
    /// <summary>
    /// Linux's accept4 on a non-blocking listener, and the accepted descriptor as a <see cref="Socket"/>. The runtime's
    /// accept happens out of sight (on its socket engine, before the awaiting code runs), so nobody can say at a given
    /// moment that every connection that has arrived is known; accepting with this, under one lock, can.
    /// </summary>
    internal static class NativeAccept
    {
        private const int CloseOnExec = 0x80000;
        private const short PollIn = 0x001;

        // Before IsSupported, which reads it: static fields start in the order they are written.
        private static readonly Lazy<Func<IntPtr, Socket>?> SocketOfDescriptor = new Lazy<Func<IntPtr, Socket>?>(FindSocketConstructor);

        /// <summary>Whether <see cref="TryAccept"/> can be used here (Linux with epoll, a runtime that makes a socket of a descriptor).</summary>
        public static bool IsSupported { get; } = Epoll.IsSupported && SocketOfDescriptor.Value != null;

        /// <summary>
        /// Takes the next connection waiting on <paramref name="listener"/> (a non-blocking listening descriptor).
        /// <see cref="AcceptResult.Accepted"/> with the socket (blocking, as the runtime's accept returns one), or why not.
        /// </summary>
        public static AcceptResult TryAccept(int listener, out Socket? socket, out int errno)
        {
            socket = null;
            while (true)
            {
                int fd = accept4(listener, IntPtr.Zero, IntPtr.Zero, CloseOnExec);
                if (fd >= 0)
                {
                    errno = 0;
                    try
                    {
                        socket = SocketOfDescriptor.Value!(new IntPtr(fd));
                        return AcceptResult.Accepted;
                    }
                    catch (Exception ex) when (ex is TargetInvocationException || ex is SocketException)
                    {
                        close(fd);
                        errno = ex.InnerException is SocketException inner ? inner.ErrorCode : -1;
                        return AcceptResult.Failed;
                    }
                }

                errno = Marshal.GetLastWin32Error();
                switch (errno)
                {
                    case Errno.Interrupted:
                    case Errno.ConnectionAborted:
                        // A signal, or a client that gave up while queued: the next one may be there.
                        continue;
                    case Errno.WouldBlock:
                        return AcceptResult.NoneWaiting;
                    default:
                        return AcceptResult.Failed;
                }
            }
        }

        /// <summary>
        /// Whether a connection waits on <paramref name="listener"/>, without waiting: poll(2), which costs a fraction of
        /// an accept4 that finds nothing (that one makes a new socket file before it looks at the backlog).
        /// </summary>
        public static bool HasWaiting(int listener)
        {
            var entry = new PollEntry { Descriptor = listener, Events = PollIn };
            return poll(ref entry, 1, 0) > 0 && (entry.Returned & PollIn) != 0;
        }

        /// <summary>True for the failures that mean the system is short of descriptors or memory, as the runtime's would say.</summary>
        public static bool IsResourceShortage(int errno)
            => errno == Errno.TooManyOpenFiles || errno == Errno.TooManyOpenFilesInSystem || errno == Errno.NoBuffers || errno == Errno.NoMemory;

        /// <summary>
        /// The runtime's Socket(SafeSocketHandle) constructor (.NET 5 and later, which PowerShell 7 runs on): not in
        /// netstandard2.0, so found by reflection; null where it is missing, and the listener then uses the runtime's accept.
        /// </summary>
        private static Func<IntPtr, Socket>? FindSocketConstructor()
        {
            Type? handleType = typeof(Socket).Assembly.GetType("System.Net.Sockets.SafeSocketHandle");
            ConstructorInfo? handle = handleType?.GetConstructor(new[] { typeof(IntPtr), typeof(bool) });
            ConstructorInfo? socket = handleType == null ? null : typeof(Socket).GetConstructor(new[] { handleType });
            if (handle == null || socket == null)
            {
                return null;
            }

            return fd => (Socket)socket.Invoke(new[] { handle.Invoke(new object[] { fd, true }) });
        }

        [DllImport("libc", SetLastError = true)]
        private static extern int accept4(int sockfd, IntPtr addr, IntPtr addrlen, int flags);

        [DllImport("libc", SetLastError = true)]
        private static extern int close(int fd);

        [DllImport("libc", SetLastError = true)]
        private static extern int poll(ref PollEntry fds, uint nfds, int timeout);

        /// <summary>struct pollfd.</summary>
        [StructLayout(LayoutKind.Sequential)]
        private struct PollEntry
        {
            public int Descriptor;
            public short Events;
            public short Returned;
        }

        /// <summary>Linux's numbers (the same on x86-64 and ARM64).</summary>
        private static class Errno
        {
            public const int Interrupted = 4;
            public const int WouldBlock = 11;
            public const int NoMemory = 12;
            public const int TooManyOpenFilesInSystem = 23;
            public const int TooManyOpenFiles = 24;
            public const int NoBuffers = 105;
            public const int ConnectionAborted = 103;
        }
    }
}
