using System;
using System.Runtime.InteropServices;

namespace RedisCluster.Engine.Connections.EventLoop
{
    /// <summary>
    /// Linux's epoll, as much of it as <see cref="SocketEventLoop"/> needs. The event records are read and written
    /// through native memory because their layout differs by architecture: packed (12 bytes) on x86-64, naturally
    /// aligned (16 bytes) elsewhere.
    /// </summary>
    internal static class Epoll
    {
        public const uint In = 0x001;
        public const uint Out = 0x004;
        public const uint Error = 0x008;
        public const uint HangUp = 0x010;
        public const uint ReadHangUp = 0x2000;
        public const uint EdgeTriggered = 1u << 31;

        private const int ControlAdd = 1;
        private const int ControlDelete = 2;
        private const int Interrupted = 4;

        /// <summary>Size of one epoll_event record.</summary>
        public static readonly int RecordSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

        private static readonly int DataOffset = RecordSize == 12 ? 4 : 8;

        /// <summary>True where epoll can be used: Linux on x86-64 or ARM64, with libc reachable.</summary>
        public static bool IsSupported { get; } = Probe();

        public static int Create()
        {
            int fd = epoll_create1(LibC.CloseOnExec);
            if (fd < 0)
            {
                throw new InvalidOperationException("epoll_create1 failed with errno " + Marshal.GetLastWin32Error() + ".");
            }

            return fd;
        }

        /// <summary>Adds <paramref name="fd"/> for <paramref name="events"/>; the loop hears <paramref name="token"/> back.</summary>
        public static int Add(int epoll, int fd, uint events, long token)
        {
            IntPtr record = Marshal.AllocHGlobal(RecordSize);
            try
            {
                Marshal.WriteInt32(record, 0, unchecked((int)events));
                Marshal.WriteInt64(record, DataOffset, token);
                return epoll_ctl(epoll, ControlAdd, fd, record) == 0 ? 0 : Marshal.GetLastWin32Error();
            }
            finally
            {
                Marshal.FreeHGlobal(record);
            }
        }

        public static void Remove(int epoll, int fd) => epoll_ctl(epoll, ControlDelete, fd, IntPtr.Zero);

        /// <summary>Waits for events into <paramref name="records"/>; returns how many, or -1 when a signal interrupted the wait.</summary>
        public static int Wait(int epoll, IntPtr records, int capacity, int timeoutMs)
        {
            int count = epoll_wait(epoll, records, capacity, timeoutMs);
            if (count >= 0)
            {
                return count;
            }

            int errno = Marshal.GetLastWin32Error();
            if (errno == Interrupted)
            {
                return -1;
            }

            throw new InvalidOperationException("epoll_wait failed with errno " + errno + ".");
        }

        public static uint EventsAt(IntPtr records, int index) => unchecked((uint)Marshal.ReadInt32(records, index * RecordSize));

        public static long TokenAt(IntPtr records, int index) => Marshal.ReadInt64(records, index * RecordSize + DataOffset);

        private static bool Probe()
        {
            Architecture architecture = RuntimeInformation.ProcessArchitecture;
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux) || (architecture != Architecture.X64 && architecture != Architecture.Arm64))
            {
                return false;
            }

            try
            {
                int fd = epoll_create1(LibC.CloseOnExec);
                if (fd < 0)
                {
                    return false;
                }

                LibC.close(fd);
                return true;
            }
            catch (Exception ex) when (ex is DllNotFoundException || ex is EntryPointNotFoundException)
            {
                return false;
            }
        }

        [DllImport("libc", SetLastError = true)]
        private static extern int epoll_create1(int flags);

        [DllImport("libc", SetLastError = true)]
        private static extern int epoll_ctl(int epfd, int op, int fd, IntPtr @event);

        [DllImport("libc", SetLastError = true)]
        private static extern int epoll_wait(int epfd, IntPtr events, int maxevents, int timeout);
    }
}
