using System;
using System.Collections.Concurrent;
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
        private readonly ConcurrentDictionary<long, LoopSocketStream> _sockets = new ConcurrentDictionary<long, LoopSocketStream>();
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
            thread.Start();
            return loop;
        }

        /// <summary>Adds <paramref name="socket"/>'s descriptor; returns errno, or 0.</summary>
        internal int Register(LoopSocketStream socket, int fd, out long token)
        {
            token = Interlocked.Increment(ref _nextToken);
            _sockets[token] = socket;
            int error = Epoll.Add(_epoll, fd, Epoll.In | Epoll.Out | Epoll.ReadHangUp | Epoll.EdgeTriggered, token);
            if (error != 0)
            {
                _sockets.TryRemove(token, out _);
            }

            return error;
        }

        /// <summary>Takes the descriptor out before it is closed, so that a number the system reuses never reaches the stream.</summary>
        internal void Unregister(int fd, long token)
        {
            _sockets.TryRemove(token, out _);
            Epoll.Remove(_epoll, fd);
        }

        private void Run()
        {
            IntPtr records = Marshal.AllocHGlobal(Capacity * Epoll.RecordSize);
            while (true)
            {
                int count = Epoll.Wait(_epoll, records, Capacity, -1);
                for (int i = 0; i < count; i++)
                {
                    if (_sockets.TryGetValue(Epoll.TokenAt(records, i), out LoopSocketStream? socket))
                    {
                        try
                        {
                            socket.OnEvents(Epoll.EventsAt(records, i));
                        }
                        catch (Exception)
                        {
                            // A continuation's failure belongs to its own task; whatever escapes must not end the
                            // loop every other socket on it depends on.
                        }
                    }
                }
            }
        }
    }
}
