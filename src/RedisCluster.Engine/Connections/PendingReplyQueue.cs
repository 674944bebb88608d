using System.Collections.Generic;

namespace RedisCluster.Engine.Connections
{
    /// <summary>
    /// The replies a connection waits for, in send order. A ConcurrentQueue cannot serve here: peeking at
    /// its head marks the segment "preserved for observation", after which it never clears a dequeued slot,
    /// so every answered request (its command and arguments, a 400 MB SET value among them) stayed
    /// referenced until the segment filled, up to a million entries later. A queue under a lock forgets an
    /// entry the moment it leaves. The reader takes one uncontended lock per reply.
    /// </summary>
    internal sealed class PendingReplyQueue
    {
        private readonly Queue<PendingReply> _entries = new Queue<PendingReply>();

        public void Enqueue(PendingReply entry)
        {
            lock (_entries)
            {
                _entries.Enqueue(entry);
            }
        }

        /// <summary>The oldest entry, or null when nothing is owed.</summary>
        public PendingReply? Head()
        {
            lock (_entries)
            {
                return _entries.Count == 0 ? null : _entries.Peek();
            }
        }

        /// <summary>Takes the oldest entry off; null when nothing is owed.</summary>
        public PendingReply? TakeHead()
        {
            lock (_entries)
            {
                return _entries.Count == 0 ? null : _entries.Dequeue();
            }
        }

        /// <summary>
        /// Takes <paramref name="entry"/> off the queue if it is still the head. In one step: a failure that
        /// drains the queue meanwhile must not make the reader take off the entry after it, which would then
        /// never hear of its reply or of the failure.
        /// </summary>
        public void DequeueIfHead(PendingReply entry)
        {
            lock (_entries)
            {
                if (_entries.Count > 0 && ReferenceEquals(_entries.Peek(), entry))
                {
                    _entries.Dequeue();
                }
            }
        }
    }
}
