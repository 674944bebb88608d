using System.Collections.Generic;
using System.Threading;
using RedisCluster.Engine.Connections;

namespace RedisCluster.Engine.Fill
{
    /// <summary>One primary's part of a fill: the slots it owns and what its workers have written so far.</summary>
    internal sealed class FillNodePlan
    {
        private long _keys;
        private long _bytes;
        private int _failed;

        public FillNodePlan(RedisEndpoint endpoint, IReadOnlyList<int> slots)
        {
            Endpoint = endpoint;
            Slots = slots;
        }

        public RedisEndpoint Endpoint { get; }

        /// <summary>Owned slots in ascending order.</summary>
        public IReadOnlyList<int> Slots { get; }

        public long Keys => Interlocked.Read(ref _keys);

        public long Bytes => Interlocked.Read(ref _bytes);

        /// <summary>True once a worker of this node lost its connection.</summary>
        public bool Failed => Volatile.Read(ref _failed) != 0;

        /// <summary>Records that a worker lost its connection; true only for the first, which reports it.</summary>
        public bool MarkFailed() => Interlocked.Exchange(ref _failed, 1) == 0;

        public void Add(long keys, long bytes)
        {
            Interlocked.Add(ref _keys, keys);
            Interlocked.Add(ref _bytes, bytes);
        }
    }
}
