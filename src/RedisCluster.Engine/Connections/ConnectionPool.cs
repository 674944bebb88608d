using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Connections.EventLoop;
using RedisCluster.Engine.Errors;

namespace RedisCluster.Engine.Connections
{
    /// <summary>
    /// A fixed number of pipelined connections to one endpoint, handed out round-robin. Connections
    /// open lazily; a broken one is replaced the next time its turn comes.
    /// </summary>
    public sealed class ConnectionPool : IDisposable
    {
        private readonly TransportConnector _connector;
        private readonly Task<RedisConnection>?[] _slots;
        private readonly object _gate = new object();
        private readonly Func<int, SocketEventLoop>? _loopOfSlot;
        private int _next = -1;
        private bool _disposed;

        public ConnectionPool(RedisEndpoint endpoint, TransportConnector connector, int size)
            : this(endpoint, connector, size, null)
        {
        }

        /// <summary>A pool whose slot <c>i</c> connects on <paramref name="loopOfSlot"/>(i) (see <see cref="SocketEventLoop"/>).</summary>
        internal ConnectionPool(RedisEndpoint endpoint, TransportConnector connector, int size, Func<int, SocketEventLoop>? loopOfSlot)
        {
            if (size < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(size), size, "A pool needs at least one connection.");
            }

            Endpoint = endpoint;
            _connector = connector;
            _slots = new Task<RedisConnection>?[size];
            _loopOfSlot = loopOfSlot;
        }

        public RedisEndpoint Endpoint { get; }

        public int Size => _slots.Length;

        /// <summary>Connections of the pool that are open now (they open lazily and may break).</summary>
        public int OpenCount
        {
            get
            {
                int open = 0;
                for (int i = 0; i < _slots.Length; i++)
                {
                    open += TryGetOpen(i, out _) ? 1 : 0;
                }

                return open;
            }
        }

        /// <summary>Connections open now in all of <paramref name="pools"/>.</summary>
        internal static int OpenIn(params IEnumerable<ConnectionPool>[] pools)
        {
            int open = 0;
            foreach (IEnumerable<ConnectionPool> group in pools)
            {
                foreach (ConnectionPool pool in group)
                {
                    open += pool.OpenCount;
                }
            }

            return open;
        }

        /// <summary>Raised when a broken connection is replaced (for statistics and verbose output).</summary>
        public event Action<RedisEndpoint, Exception>? Reconnecting;

        public Task<RedisConnection> GetAsync(CancellationToken cancellationToken = default)
        {
            int index = (int)((uint)Interlocked.Increment(ref _next) % (uint)_slots.Length);
            return GetAsync(index, cancellationToken);
        }

        /// <summary>The connection in slot <paramref name="index"/> if it is open and healthy, without waiting; otherwise false (open it with <see cref="GetAsync(int, CancellationToken)"/>).</summary>
        public bool TryGetOpen(int index, out RedisConnection? connection)
        {
            Task<RedisConnection>? current = Volatile.Read(ref _slots[index]);
            connection = current != null && current.Status == TaskStatus.RanToCompletion && current.Result.IsConnected ? current.Result : null;
            return connection != null;
        }

        /// <summary>The first open and healthy connection in any slot, without waiting; false when none is.</summary>
        public bool TryGetAnyOpen(out RedisConnection? connection)
        {
            for (int i = 0; i < _slots.Length; i++)
            {
                if (TryGetOpen(i, out connection))
                {
                    return true;
                }
            }

            connection = null;
            return false;
        }

        /// <summary>The connection in a given slot; callers that need affinity (one writer per connection) use this.</summary>
        public async Task<RedisConnection> GetAsync(int index, CancellationToken cancellationToken)
        {
            Task<RedisConnection> task;
            Exception? replaced = null;
            lock (_gate)
            {
                if (_disposed)
                {
                    throw new ObjectDisposedException(nameof(ConnectionPool));
                }

                Task<RedisConnection>? current = _slots[index];
                if (current == null || current.IsFaulted || current.IsCanceled || (current.Status == TaskStatus.RanToCompletion && !current.Result.IsConnected))
                {
                    if (current != null && current.Status == TaskStatus.RanToCompletion)
                    {
                        replaced = current.Result.Failure;
                        current.Result.Dispose();
                    }

                    current = _loopOfSlot != null
                        ? RedisConnection.ConnectAsync(Endpoint, _connector, _loopOfSlot(index), CancellationToken.None)
                        : RedisConnection.ConnectAsync(Endpoint, _connector, CancellationToken.None);
                    _slots[index] = current;
                }

                task = current;
            }

            if (replaced != null)
            {
                Reconnecting?.Invoke(Endpoint, replaced);
            }

            await TaskWaiting.WaitAsync(task, cancellationToken).ConfigureAwait(false);
            return task.Result;
        }

        /// <summary>
        /// A new connection of the pool's kind (same TLS, auth, database, READONLY) that the pool does not own: for
        /// state a pooled connection must not carry (WATCH, MULTI), closed by the caller.
        /// </summary>
        public Task<RedisConnection> OpenDedicatedAsync(CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                if (_disposed)
                {
                    throw new ObjectDisposedException(nameof(ConnectionPool));
                }
            }

            return RedisConnection.ConnectAsync(Endpoint, _connector, cancellationToken);
        }

        public void Dispose()
        {
            Task<RedisConnection>?[] slots;
            lock (_gate)
            {
                if (_disposed)
                {
                    return;
                }

                _disposed = true;
                slots = (Task<RedisConnection>?[])_slots.Clone();
            }

            foreach (Task<RedisConnection>? slot in slots)
            {
                if (slot == null)
                {
                    continue;
                }

                if (slot.Status == TaskStatus.RanToCompletion)
                {
                    slot.Result.Dispose();
                }
                else
                {
                    // Still connecting: close it as soon as it opens, and observe any failure.
                    slot.ContinueWith(t =>
                    {
                        if (t.Status == TaskStatus.RanToCompletion)
                        {
                            t.Result.Dispose();
                        }
                        else
                        {
                            _ = t.Exception;
                        }
                    }, TaskScheduler.Default);
                }
            }
        }
    }
}
