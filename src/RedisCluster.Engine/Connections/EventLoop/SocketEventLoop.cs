using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;

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
                int count = Epoll.Wait(_epoll, records, Capacity, -1);
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

                RunTurnEnd();
            }
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
    }
}
