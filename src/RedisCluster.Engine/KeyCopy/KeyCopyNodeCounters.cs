using System.Threading;

namespace RedisCluster.Engine.KeyCopy
{
    /// <summary>The running counts of one source node, updated by its copy loop and read by progress at any time.</summary>
    internal sealed class KeyCopyNodeCounters
    {
        private long _copied;
        private long _existing;
        private long _vanished;
        private long _failed;
        private long _deleted;
        private long _bytes;

        public KeyCopyNodeCounters(string node)
        {
            Node = node;
        }

        public string Node { get; }

        /// <summary>Keys dealt with in any way so far (copied, skipped or failed).</summary>
        public long Done => Volatile.Read(ref _copied) + Volatile.Read(ref _existing) + Volatile.Read(ref _vanished) + Volatile.Read(ref _failed);

        public long Copied => Volatile.Read(ref _copied);

        public void AddCopied(long keys, long bytes)
        {
            Interlocked.Add(ref _bytes, bytes);
            Interlocked.Add(ref _copied, keys);
        }

        public void AddExisting(long keys) => Interlocked.Add(ref _existing, keys);

        public void AddVanished(long keys) => Interlocked.Add(ref _vanished, keys);

        public void AddFailed(long keys) => Interlocked.Add(ref _failed, keys);

        public void AddDeleted(long keys) => Interlocked.Add(ref _deleted, keys);

        public KeyCopyNodeResult ToResult()
            => new KeyCopyNodeResult(Node, Volatile.Read(ref _copied), Volatile.Read(ref _existing), Volatile.Read(ref _vanished),
                Volatile.Read(ref _failed), Volatile.Read(ref _deleted), Volatile.Read(ref _bytes));
    }
}
