using System;
using System.Buffers;

namespace RedisCluster.Engine.Connections
{
    /// <summary>
    /// The shared pool for the usual small pipe segments, fresh arrays for large ones. A pipe writer asked
    /// for room for a 400 MB argument rents one segment that size; the shared array pool keeps such arrays
    /// after they are returned, so one large command would keep its memory for the life of the process.
    /// </summary>
    internal sealed class LargeUnpooledMemoryPool : MemoryPool<byte>
    {
        public static readonly LargeUnpooledMemoryPool Instance = new LargeUnpooledMemoryPool();

        /// <summary>Largest segment taken from the shared pool.</summary>
        public const int PooledLimit = 1024 * 1024;

        public override int MaxBufferSize => int.MaxValue;

        public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
            => minBufferSize > PooledLimit ? new Unpooled(minBufferSize) : Shared.Rent(minBufferSize);

        protected override void Dispose(bool disposing)
        {
        }

        private sealed class Unpooled : IMemoryOwner<byte>
        {
            private byte[]? _array;

            public Unpooled(int size)
            {
                _array = new byte[size];
            }

            public Memory<byte> Memory => _array ?? throw new ObjectDisposedException(nameof(Unpooled));

            public void Dispose() => _array = null;
        }
    }
}
