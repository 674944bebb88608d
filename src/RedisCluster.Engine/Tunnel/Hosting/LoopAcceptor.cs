using System;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Connections.EventLoop;

namespace RedisCluster.Engine.Tunnel.Hosting
{
    /// <summary>
    /// Accepts a listener's connections itself, on an event loop when a connection arrives and on demand from anybody
    /// (<see cref="TakeWaiting"/>), each accept and its session's start under one lock. So "every connection that has
    /// arrived has its session" can be made true at a chosen moment, which the runtime's accept cannot give: it takes
    /// a connection out of the backlog on its own thread and tells the listener later. The smart tunnel needs that
    /// moment before each batch (<see cref="Smart.SmartArrivals"/>): a client's command sent just after another
    /// client connected and sent its BLPOP must not reach the node first.
    /// </summary>
    internal sealed class LoopAcceptor : ILoopEventTarget, IAcceptBacklog
    {
        private readonly int _fd;
        private readonly Action<Socket> _admit;
        private readonly Action<int, TimeSpan> _failed;
        private readonly object _gate = new object();
        private readonly AcceptBackoff _backoff = new AcceptBackoff();
        private SocketEventLoop? _loop;
        private long _token;
        private bool _retryPending;
        private bool _draining;
        private bool _closed;

        private LoopAcceptor(Socket listener, Action<Socket> admit, Action<int, TimeSpan> failed)
        {
            _fd = listener.Handle.ToInt32();
            _admit = admit;
            _failed = failed;
        }

        /// <summary>
        /// Accepts <paramref name="listener"/>'s connections from now on, handing each to <paramref name="admit"/> (which must
        /// not block or throw); <paramref name="failed"/> hears a refused accept's errno and the wait before the next try.
        /// Null where this cannot be done (no event loops, or a runtime that cannot make a socket of a descriptor).
        /// </summary>
        public static LoopAcceptor? TryStart(Socket listener, Action<Socket> admit, Action<int, TimeSpan> failed)
        {
            SocketEventLoop? loop = NativeAccept.IsSupported ? SocketEventLoops.Next() : null;
            if (loop == null)
            {
                return null;
            }

            var acceptor = new LoopAcceptor(listener, admit, failed);
            listener.Blocking = false;
            lock (acceptor._gate)
            {
                // Edge-triggered: connections already waiting raise the first edge at once.
                if (loop.Register(acceptor, acceptor._fd, Epoll.In, out acceptor._token) != 0)
                {
                    listener.Blocking = true;
                    return null;
                }

                acceptor._loop = loop;
            }

            return acceptor;
        }

        public void OnEvents(uint events) => Drain();

        public void TakeWaiting()
        {
            // Asked often (before a client's batch writes): a poll, and the lock only when there is something to take
            // or somebody is taking it (a connection they took is not known until its session has started).
            if (!Volatile.Read(ref _closed) && (NativeAccept.HasWaiting(_fd) || Volatile.Read(ref _draining)))
            {
                Drain();
            }
        }

        private void Drain()
        {
            lock (_gate)
            {
                Volatile.Write(ref _draining, true);
                try
                {
                    // Drained to the end: a connection left behind would wait for the edge of the next one to arrive.
                    while (!_closed)
                    {
                        switch (NativeAccept.TryAccept(_fd, out Socket? socket, out int errno))
                        {
                            case AcceptResult.Accepted:
                                _backoff.Succeeded();
                                _admit(socket!);
                                continue;
                            case AcceptResult.NoneWaiting:
                                return;
                            default:
                                RetryLater(errno);
                                return;
                        }
                    }
                }
                finally
                {
                    Volatile.Write(ref _draining, false);
                }
            }
        }

        /// <summary>Stops accepting (the listener's owner closes the socket after this).</summary>
        public void Close()
        {
            SocketEventLoop? loop;
            lock (_gate)
            {
                Volatile.Write(ref _closed, true);
                loop = _loop;
                _loop = null;
            }

            loop?.Unregister(_fd, _token);
        }

        /// <summary>
        /// The system refused (out of descriptors): the connections stay in the backlog and no new edge would come for
        /// them, so the acceptor tries again after a wait that grows with each failure in a row.
        /// </summary>
        private void RetryLater(int errno)
        {
            if (_retryPending)
            {
                return;
            }

            _retryPending = true;
            TimeSpan delay = _backoff.NextDelay();
            _failed(errno, delay);
            Task.Delay(delay).ContinueWith(
                (_, state) =>
                {
                    var self = (LoopAcceptor)state!;
                    lock (self._gate)
                    {
                        self._retryPending = false;
                    }

                    self.Drain();
                },
                this,
                TaskScheduler.Default);
        }
    }
}
