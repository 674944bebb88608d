using System.Collections.Concurrent;
using System.Threading;

namespace RedisCluster.Engine.KeyCopy
{
    /// <summary>
    /// The first few per-key failures of a copy, with their messages, for the caller to report one by one;
    /// the rest are only counted, so that a copy that fails for every key neither floods the error stream
    /// nor holds a message per key in memory.
    /// </summary>
    internal sealed class KeyCopyFailures
    {
        private readonly ConcurrentQueue<KeyCopyFailure> _kept = new ConcurrentQueue<KeyCopyFailure>();
        private readonly int _limit;
        private int _seen;

        public KeyCopyFailures(int limit)
        {
            _limit = limit;
        }

        /// <summary>Every failure added, kept or not.</summary>
        public long Count => Volatile.Read(ref _seen);

        public void Add(KeyCopyFailure failure)
        {
            if (Interlocked.Increment(ref _seen) <= _limit)
            {
                _kept.Enqueue(failure);
            }
        }

        public bool TryTake(out KeyCopyFailure? failure) => _kept.TryDequeue(out failure);
    }
}
