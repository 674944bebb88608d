using System;
using System.Collections.Generic;
using System.Threading;

namespace RedisCluster.Engine.Client.PubSub
{
    /// <summary>
    /// Messages between the connections' reader threads and the consumer, bounded in count and bytes (a
    /// message's size is what <c>sizeOf</c> says: a pub/sub payload, a MONITOR line). A
    /// message that does not fit is dropped and counted rather than queued: the reader must keep reading, or
    /// the server buffers the messages instead and disconnects the subscriber at its output-buffer limit,
    /// which loses far more. What is queued stays in the order it arrived.
    /// </summary>
    internal sealed class MessageQueue<T>
        where T : class
    {
        private readonly Queue<T> _messages = new Queue<T>();
        private readonly SemaphoreSlim _available = new SemaphoreSlim(0);
        private readonly Func<T, long> _sizeOf;
        private readonly int _maxMessages;
        private readonly long _maxBytes;
        private long _bytes;
        private long _dropped;
        private bool _dropping;

        public MessageQueue(int maxMessages, long maxBytes, Func<T, long> sizeOf)
        {
            _sizeOf = sizeOf;
            _maxMessages = maxMessages;
            _maxBytes = maxBytes;
        }

        public long Dropped => Interlocked.Read(ref _dropped);

        public int Count
        {
            get
            {
                lock (_messages)
                {
                    return _messages.Count;
                }
            }
        }

        /// <summary>Queues the message, or drops it when the queue is full. True when this drop starts a run of drops (to warn once per run).</summary>
        public bool Add(T message, out bool dropped)
        {
            lock (_messages)
            {
                long size = _sizeOf(message);
                if (_messages.Count >= _maxMessages || (_messages.Count > 0 && _bytes + size > _maxBytes))
                {
                    Interlocked.Increment(ref _dropped);
                    dropped = true;
                    bool first = !_dropping;
                    _dropping = true;
                    return first;
                }

                _messages.Enqueue(message);
                _bytes += size;
            }

            dropped = false;
            _available.Release();
            return false;
        }

        /// <summary>The oldest message, waiting up to <paramref name="wait"/> for one; throws when <paramref name="cancellationToken"/> is cancelled.</summary>
        public bool TryTake(TimeSpan wait, CancellationToken cancellationToken, out T? message)
        {
            message = default;
            if (!_available.Wait(wait, cancellationToken))
            {
                return false;
            }

            lock (_messages)
            {
                message = _messages.Dequeue();
                _bytes -= _sizeOf(message);

                // A run of drops ends once the consumer has made room for a good share of the queue, not at the
                // first free place, so that a consumer just below the pace is warned once rather than per message.
                if (_dropping && _messages.Count <= _maxMessages / 2 && _bytes <= _maxBytes / 2)
                {
                    _dropping = false;
                }
            }

            return true;
        }
    }
}
