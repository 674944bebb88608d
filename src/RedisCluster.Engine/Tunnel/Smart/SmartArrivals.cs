using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Tunnel.Hosting;

namespace RedisCluster.Engine.Tunnel.Smart
{
    /// <summary>
    /// Keeps a new application's first commands in their place among the other applications' commands. One server reads
    /// a command as soon as it arrives; the tunnel reads a new connection's first command only once the connection has
    /// been accepted and its session has started, so a command another application sends right after it (the LPUSH or
    /// XADD meant for a BLPOP or XREAD the newcomer sent first) could reach the node first, and a blocking command then
    /// wait forever. So while a newcomer has bytes waiting that its session has not taken, the other applications' next
    /// batches wait (at most <see cref="Limit"/>) until it has run its first batch or put its blocking command in
    /// transit (<see cref="SmartBlockingOrder"/> keeps the order from there); and before a command that may write,
    /// connections still in the listener's backlog are accepted first (<see cref="Backlog"/>).
    /// </summary>
    internal sealed class SmartArrivals
    {
        /// <summary>The longest anybody waits for a newcomer (as long as for a blocking command in transit): order is worth a moment, not a stall.</summary>
        private static readonly TimeSpan Limit = TimeSpan.FromSeconds(2);

        private readonly ConcurrentDictionary<Arrival, bool> _pending = new ConcurrentDictionary<Arrival, bool>();
        private int _count;
        private long _accepted;

        /// <summary>A connection just accepted, whose first commands are still to be taken.</summary>
        public Arrival Register(Socket socket)
        {
            var arrival = new Arrival(this, socket, Interlocked.Increment(ref _accepted));
            _pending[arrival] = true;
            Interlocked.Increment(ref _count);
            return arrival;
        }

        /// <summary>
        /// The tunnel's listener, when it can take its waiting connections on demand. Without it, a connection still in
        /// the listener's backlog (connected, its first command sent, not yet accepted) is not known here, and a command
        /// another application sends after it can overtake it.
        /// </summary>
        public IAcceptBacklog? Backlog { get; set; }

        /// <summary>
        /// Before a command of <paramref name="self"/> that may write: connections still in the listener's backlog, which
        /// arrived before the command was read, are accepted, and their first commands taken first (as by
        /// <see cref="WaitForEarlierAsync"/>). A newcomer's BLPOP sent before another application's LPUSH then waits
        /// for that LPUSH, as on one server. Only before writes: what a read sees of a newcomer's first command is not
        /// worth a syscall before every batch.
        /// </summary>
        public Task WaitForBackloggedAsync(Arrival self, CancellationToken cancellationToken)
        {
            Backlog?.TakeWaiting();

            // Asked again, not only when the backlog held somebody: a connection the loop accepted since the batch
            // began is no longer in the backlog, and may have sent its command before this one.
            return WaitForEarlierAsync(self, cancellationToken);
        }

        /// <summary>Before a batch of <paramref name="self"/>: waits (bounded) for newcomers that have commands waiting to take them first.</summary>
        public Task WaitForEarlierAsync(Arrival self, CancellationToken cancellationToken)
        {
            if (Volatile.Read(ref _count) == 0)
            {
                return Task.CompletedTask;
            }

            // A newcomer waits only for those accepted before it: newcomers that waited for each other would all
            // wait out the limit (fifty connections opened at once stalled every one of them for 2 s).
            long before = self.IsDone ? long.MaxValue : self.Sequence;
            List<Task>? earlier = null;
            foreach (Arrival arrival in _pending.Keys)
            {
                if (arrival.Sequence < before && (arrival.HasRead || arrival.HasWaitingBytes()))
                {
                    (earlier ??= new List<Task>()).Add(arrival.Taken);
                }
            }

            return earlier == null ? Task.CompletedTask : TaskWaiting.WaitAtMostAsync(Task.WhenAll(earlier), Limit, cancellationToken);
        }

        private void Done(Arrival arrival)
        {
            if (_pending.TryRemove(arrival, out _))
            {
                Interlocked.Decrement(ref _count);
            }
        }

        /// <summary>One new connection until its first commands are taken.</summary>
        internal sealed class Arrival
        {
            private readonly SmartArrivals _owner;
            private readonly Socket _socket;
            private readonly TaskCompletionSource<bool> _taken = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            private bool _read;

            public Arrival(SmartArrivals owner, Socket socket, long sequence)
            {
                _owner = owner;
                _socket = socket;
                Sequence = sequence;
            }

            /// <summary>Its place in the order of accepts.</summary>
            public long Sequence { get; }

            public Task Taken => _taken.Task;

            /// <summary>Its session has taken, or is about to take, its first bytes out of the socket, and has not run them yet.</summary>
            public bool HasRead => Volatile.Read(ref _read);

            /// <summary>Said before the session's reader takes the first bytes: from here they are no longer seen in the socket.</summary>
            public void Read() => Volatile.Write(ref _read, true);

            public bool IsDone => _taken.Task.IsCompleted;

            /// <summary>Its first batch has run, or its blocking command is in transit, or it is gone.</summary>
            public void Done()
            {
                if (_taken.TrySetResult(true))
                {
                    _owner.Done(this);
                }
            }

            public bool HasWaitingBytes()
            {
                try
                {
                    return _socket.Available > 0;
                }
                catch (Exception ex) when (ex is SocketException || ex is ObjectDisposedException)
                {
                    return false;
                }
            }
        }
    }
}
