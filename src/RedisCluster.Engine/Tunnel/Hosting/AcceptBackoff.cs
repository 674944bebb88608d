using System;
using System.Net.Sockets;

namespace RedisCluster.Engine.Tunnel.Hosting
{
    /// <summary>
    /// How long a listener waits after accepting failed: when the system refuses a socket (out of descriptors
    /// or buffers) trying again at once only fails again, so the wait doubles with each failure in a row, up
    /// to a second, and starts over after an accept that works. The listening socket stays open meanwhile;
    /// connecting clients wait in its backlog.
    /// </summary>
    internal sealed class AcceptBackoff
    {
        internal static readonly TimeSpan First = TimeSpan.FromMilliseconds(10);
        internal static readonly TimeSpan Longest = TimeSpan.FromSeconds(1);

        private TimeSpan _next = First;

        /// <summary>Failures in a row so far.</summary>
        public int Failures { get; private set; }

        /// <summary>The wait before the next attempt, which doubles the one after.</summary>
        public TimeSpan NextDelay()
        {
            Failures++;
            TimeSpan delay = _next;
            _next = TimeSpan.FromTicks(Math.Min(Longest.Ticks, _next.Ticks * 2));
            return delay;
        }

        public void Succeeded()
        {
            Failures = 0;
            _next = First;
        }

        /// <summary>True for the errors that mean the system is out of a resource rather than the listener being broken.</summary>
        public static bool IsResourceShortage(Exception ex)
            => ex is SocketException socketError
               && (socketError.SocketErrorCode == SocketError.TooManyOpenSockets || socketError.SocketErrorCode == SocketError.NoBufferSpaceAvailable);
    }
}
