using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace RedisCluster.Engine.Connections.EventLoop
{
    /// <summary>
    /// One thread that owns an epoll set and completes the waiting reads and writes of the sockets in it, there and
    /// then. The runtime's socket engine hands every readiness event from its epoll thread to a thread-pool worker (a
    /// wake-up, often a spin) and tries each read's syscall before it waits; a relay that moves small batches pays
    /// that twice per batch and direction. Here the thread that hears the event does the syscall and runs the relay's
    /// continuation itself, and a read that drained the socket waits for the next event without trying again,
    /// which is how event-driven relays such as HAProxy spend their CPU. Edge-triggered: each socket is added once
    /// for input and output and never modified.
    /// </summary>
    internal sealed class SocketEventLoop
    {
        private const int Capacity = 256;

        private readonly int _epoll;
        private readonly ConcurrentDictionary<long, ILoopEventTarget> _targets = new ConcurrentDictionary<long, ILoopEventTarget>();
        [ThreadStatic]
        private static SocketEventLoop? t_current;

        // Work the loop's own thread put off until the events of this turn are handled (its thread only).
        private readonly List<(WaitCallback Work, object State)> _turnEnd = new List<(WaitCallback, object)>();
        private long _nextToken;
        private Thread? _thread;

        // Turns begun, counted before each wait: a turn whose number is higher than what another thread read began
        // its wait after that read, so every event ready then was in it (see Ask).
        private long _turn;

        // 1 from just before a wait until it returns; another thread that leaves mail then signals _wake.
        private int _waiting;
        private LoopWake? _wake;

        // Barriers asked of this loop and barriers it asked that the others passed, from any thread.
        private readonly ConcurrentQueue<Mail> _mail = new ConcurrentQueue<Mail>();

        // Barriers asked of this loop, each passed at the end of the first whole turn after the one it was asked in, or once
        // as many events as the loop has descriptors were heard after it (its thread only; see PassAsked).
        private readonly List<AskedBarrier> _asked = new List<AskedBarrier>();

        // Events the loop's waits have returned so far (its thread only).
        private long _heard;

        // The barrier this turn's own sessions asked for, sent to the other loops when the turn's events are handled (its thread only).
        private LoopBarrier? _turnBarrier;

        private SocketEventLoop(int epoll)
        {
            _epoll = epoll;
        }

        /// <summary>The loop's thread, so that a stream can tell whether it runs there.</summary>
        public Thread? Thread => _thread;

        /// <summary>Starts a loop on a background thread of its own; it runs for the life of the process.</summary>
        public static SocketEventLoop Start(string name)
        {
            var loop = new SocketEventLoop(Epoll.Create());
            loop._wake = LoopWake.Open(loop);
            var thread = new Thread(loop.Run) { IsBackground = true, Name = name };
            loop._thread = thread;

            // A thread takes its starter's execution context for good, and every continuation run on the loop with it.
            CallerContext.Without(thread.Start);

            return loop;
        }

        /// <summary>
        /// Runs <paramref name="work"/> soon, without waiting for it: on a loop's thread once the events of the current
        /// turn are handled, elsewhere on the thread pool. A relay that queues writes for an upstream connection while it
        /// handles one client's batch flushes them this way, so on a loop the batches of every client heard in the same
        /// turn go out in one write (fewer syscalls for the relay and fewer reads for the server), without a hop to
        /// another thread.
        /// </summary>
        public static void RunSoon(WaitCallback work, object state)
        {
            SocketEventLoop? current = t_current;
            if (current == null)
            {
                ThreadPool.UnsafeQueueUserWorkItem(work, state);
                return;
            }

            current._turnEnd.Add((work, state));
        }

        /// <summary>
        /// A barrier that every loop of <paramref name="loops"/> but <paramref name="except"/> handles the events ready on it
        /// now (see <see cref="LoopBarrier"/>). Asked on a loop's thread for that loop's sessions, one barrier serves the whole
        /// turn: it goes out once the turn's events are handled, so it covers every event ready when the last of them was.
        /// </summary>
        public static Task BarrierAsync(SocketEventLoop[] loops, SocketEventLoop? except)
        {
            SocketEventLoop? current = t_current;
            if (current != null && current == except)
            {
                current._turnBarrier ??= new LoopBarrier(current, loops, except);
                return current._turnBarrier.Passed;
            }

            var barrier = new LoopBarrier(current, loops, except);
            barrier.Send();
            return barrier.Passed;
        }

        /// <summary>
        /// Asks this loop to pass <paramref name="barrier"/> at the end of its first whole turn that begins after now. Any
        /// thread. The turn number is read after whatever the asker heard before (a client's bytes read), so an event
        /// that was ready before that is in the turn, or in one before it.
        /// </summary>
        internal void Ask(LoopBarrier barrier)
        {
            Leave(new Mail(barrier, Interlocked.Read(ref _turn), completion: false));
        }

        /// <summary>Runs <paramref name="barrier"/>'s continuations on this loop's thread, soon. Any thread.</summary>
        internal void Post(LoopBarrier barrier) => Leave(new Mail(barrier, 0, completion: true));

        /// <summary>Adds a connected socket's descriptor, for input and output; returns errno, or 0.</summary>
        internal int Register(LoopSocketStream socket, int fd, out long token)
            => Register(socket, fd, Epoll.In | Epoll.Out | Epoll.ReadHangUp, out token);

        /// <summary>Adds <paramref name="fd"/> for <paramref name="events"/> (edge-triggered), told to <paramref name="target"/>; returns errno, or 0.</summary>
        internal int Register(ILoopEventTarget target, int fd, uint events, out long token)
        {
            token = Interlocked.Increment(ref _nextToken);
            _targets[token] = target;
            int error = Epoll.Add(_epoll, fd, events | Epoll.EdgeTriggered, token);
            if (error != 0)
            {
                _targets.TryRemove(token, out _);
            }

            return error;
        }

        /// <summary>Takes the descriptor out before it is closed, so that a number the system reuses never reaches the stream.</summary>
        internal void Unregister(int fd, long token)
        {
            _targets.TryRemove(token, out _);
            Epoll.Remove(_epoll, fd);
        }

        private void Run()
        {
            t_current = this;
            IntPtr records = Marshal.AllocHGlobal(Capacity * Epoll.RecordSize);
            while (true)
            {
                long turn = Interlocked.Increment(ref _turn);
                Interlocked.Exchange(ref _waiting, 1);
                bool pending = !_mail.IsEmpty || _asked.Count > 0 || _turnEnd.Count > 0 || _turnBarrier != null;
                int count = Epoll.Wait(_epoll, records, Capacity, pending ? 0 : -1);
                Volatile.Write(ref _waiting, 0);

                // An interrupted wait took nothing, and proves nothing either.
                bool whole = count >= 0 && count < Capacity;
                long heardBefore = _heard;
                _heard += Math.Max(count, 0);
                for (int i = 0; i < count; i++)
                {
                    if (_targets.TryGetValue(Epoll.TokenAt(records, i), out ILoopEventTarget? target))
                    {
                        try
                        {
                            target.OnEvents(Epoll.EventsAt(records, i));
                        }
                        catch (Exception)
                        {
                            // A continuation's failure belongs to its own task; whatever escapes must not end the
                            // loop every other socket on it depends on.
                        }
                    }
                }

                TakeMail(turn, heardBefore);
                RunTurnEnd();
                SendTurnBarrier();
                PassAsked(turn, whole);
            }
        }

        private void Leave(Mail mail)
        {
            _mail.Enqueue(mail);

            // After the enqueue (a full fence), as the loop sets _waiting before it looks at the mail: one of the two sees the other.
            if (Volatile.Read(ref _waiting) == 1)
            {
                _wake!.Signal();
            }
        }

        private void TakeMail(long turn, long heardBefore)
        {
            while (_mail.TryDequeue(out Mail mail))
            {
                if (mail.IsCompletion)
                {
                    try
                    {
                        // The continuations of this loop's own barrier run here, as a socket's would.
                        mail.Barrier.Complete();
                    }
                    catch (Exception)
                    {
                        // As for a socket's continuation: its failure is its own, and the loop goes on.
                    }
                }
                else
                {
                    // Asked before this turn began: its events count already.
                    _asked.Add(new AskedBarrier(mail.Barrier, mail.Turn, mail.Turn < turn ? heardBefore : _heard));
                }
            }
        }

        private void SendTurnBarrier()
        {
            LoopBarrier? barrier = _turnBarrier;
            if (barrier != null)
            {
                _turnBarrier = null;
                barrier.Send();
            }
        }

        /// <summary>
        /// Passes the barriers asked before <paramref name="turn"/> began, when it was <paramref name="whole"/>: its events,
        /// and what they started, are handled. A full turn may leave ready events for the next, but those stay at the head of
        /// epoll's ready list, ahead of any that become ready later, and each descriptor is on it once: so once the loop has
        /// heard as many events as it has descriptors since a barrier was asked, that barrier passes too, and a loop whose
        /// turns are all full (more than its capacity of busy sockets) does not hold the writes that wait for it for ever.
        /// </summary>
        private void PassAsked(long turn, bool whole)
        {
            if (_asked.Count == 0)
            {
                return;
            }

            // Counted only when needed: a ConcurrentDictionary's count takes all its locks.
            long descriptors = whole ? long.MaxValue : _targets.Count;
            int kept = 0;
            for (int i = 0; i < _asked.Count; i++)
            {
                AskedBarrier asked = _asked[i];
                if ((whole && asked.Turn < turn) || _heard - asked.HeardFrom >= descriptors)
                {
                    try
                    {
                        asked.Barrier.PassedBy(this);
                    }
                    catch (Exception)
                    {
                        // The continuations' failure is their own (when this loop was the last to pass and is their home).
                    }
                }
                else
                {
                    _asked[kept++] = asked;
                }
            }

            _asked.RemoveRange(kept, _asked.Count - kept);
        }

        private void RunTurnEnd()
        {
            // What runs here may put off more (a flush whose write completed a reply, whose session queued again).
            for (int i = 0; i < _turnEnd.Count; i++)
            {
                try
                {
                    _turnEnd[i].Work(_turnEnd[i].State);
                }
                catch (Exception)
                {
                    // As above: the work's failure is its own.
                }
            }

            _turnEnd.Clear();
        }

        /// <summary>A barrier asked of this loop in its turn <see cref="Turn"/>, and the count of events heard from which it counts them.</summary>
        private readonly struct AskedBarrier
        {
            public AskedBarrier(LoopBarrier barrier, long turn, long heardFrom)
            {
                Barrier = barrier;
                Turn = turn;
                HeardFrom = heardFrom;
            }

            public LoopBarrier Barrier { get; }

            public long Turn { get; }

            public long HeardFrom { get; }
        }

        /// <summary>A barrier asked of this loop in its turn <see cref="Turn"/>, or one of its own that the others passed.</summary>
        private readonly struct Mail
        {
            public Mail(LoopBarrier barrier, long turn, bool completion)
            {
                Barrier = barrier;
                Turn = turn;
                IsCompletion = completion;
            }

            public LoopBarrier Barrier { get; }

            public long Turn { get; }

            public bool IsCompletion { get; }
        }
    }
}
