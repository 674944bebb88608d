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
        private const short PollIn = 0x001;

        // Before IsSupported, which reads it: static fields start in the order they are written.
        private static readonly Func<IntPtr, Socket>? SocketOfDescriptor = FindSocketConstructor();

        /// <summary>Whether <see cref="TryAccept"/> can be used here (Linux with epoll, a runtime that makes a socket of a descriptor).</summary>
        public static bool IsSupported { get; } = Epoll.IsSupported && SocketOfDescriptor != null;

        /// <summary>
        /// Takes the next connection waiting on <paramref name="listener"/> (a non-blocking listening descriptor).
        /// <see cref="AcceptResult.Accepted"/> with the socket (blocking, as the runtime's accept returns one), or why not.
        /// </summary>
        public static AcceptResult TryAccept(int listener, out Socket? socket, out int errno)
        {
            socket = null;
            while (true)
            {
                int fd = accept4(listener, IntPtr.Zero, IntPtr.Zero, LibC.CloseOnExec);
                if (fd >= 0)
                {
                    errno = 0;
                    try
                    {
                        socket = SocketOfDescriptor!(new IntPtr(fd));
                        return AcceptResult.Accepted;
                    }
                    catch (Exception ex) when (ex is TargetInvocationException || ex is SocketException)
                    {
                        // The descriptor is closed by now (see FindSocketConstructor); the next connection may do.
                        continue;
                    }
                }

                errno = Marshal.GetLastWin32Error();
                if (errno == Errno.WouldBlock)
                {
                    return AcceptResult.NoneWaiting;
                }

                if (Errno.IsThisConnectionOnly(errno))
                {
                    // A signal, or a client that gave up or whose network failed while it waited: the next one may be there.
                    continue;
                }

                return AcceptResult.Failed;
            }
        }

        /// <summary>
        /// Whether a connection waits on <paramref name="listener"/>, without waiting: poll(2), which costs a fraction of
        /// an accept4 that finds nothing (that one makes a new socket file before it looks at the backlog).
        /// </summary>
        public static bool HasWaiting(int listener)
        {
            var entry = new PollEntry { Descriptor = listener, Events = PollIn };
            return poll(ref entry, new UIntPtr(1), 0) > 0 && (entry.Returned & PollIn) != 0;
        }

        /// <summary>True for the failures that mean the system is short of descriptors or memory, as the runtime's would say.</summary>
        public static bool IsResourceShortage(int errno)
            => errno == Errno.TooManyOpenFiles || errno == Errno.TooManyOpenFilesInSystem || errno == Errno.NoBuffers || errno == Errno.NoMemory;

        /// <summary>
        /// The runtime's Socket(SafeSocketHandle) constructor (.NET 5 and later, which PowerShell 7 runs on): not in
        /// netstandard2.0, so found by reflection; null where it is missing, and the listener then uses the runtime's accept.
        /// The handle owns the descriptor from the start: if the socket cannot be made, disposing the handle closes it once.
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

            return fd =>
            {
                object owner;
                try
                {
                    owner = handle.Invoke(new object[] { fd, true });
                }
                catch
                {
                    LibC.close(fd.ToInt32());
                    throw;
                }

                try
                {
                    return (Socket)socket.Invoke(new[] { owner });
                }
                catch
                {
                    ((IDisposable)owner).Dispose();
                    throw;
                }
            };
        }

        [DllImport("libc", SetLastError = true)]
        private static extern int accept4(int sockfd, IntPtr addr, IntPtr addrlen, int flags);

        [DllImport("libc", SetLastError = true)]
        private static extern int poll(ref PollEntry fds, UIntPtr nfds, int timeout);

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
            public const int WouldBlock = 11;
            public const int NoMemory = 12;
            public const int TooManyOpenFilesInSystem = 23;
            public const int TooManyOpenFiles = 24;
            public const int NoBuffers = 105;

            /// <summary>
            /// The errors accept(2) reports for the connection it took rather than for the listener (EINTR, ECONNABORTED, and
            /// the pending network errors its manual says to treat like EAGAIN: EPERM from a firewall rule among them).
            /// </summary>
            public static bool IsThisConnectionOnly(int errno)
            {
                switch (errno)
                {
                    case 1: // EPERM
                    case 4: // EINTR
                    case 64: // ENONET
                    case 71: // EPROTO
                    case 92: // ENOPROTOOPT
                    case 95: // EOPNOTSUPP
                    case 100: // ENETDOWN
                    case 101: // ENETUNREACH
                    case 103: // ECONNABORTED
                    case 112: // EHOSTDOWN
                    case 113: // EHOSTUNREACH
                        return true;
                    default:
                        return false;
                }
            }
        }
    }
}
