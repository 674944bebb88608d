using System;
using System.Buffers;

namespace RedisCluster.Engine.Protocol
{
    /// <summary>A minimal growable IBufferWriter (netstandard2.0 has no ArrayBufferWriter) for small rewritten frames.</summary>
    internal sealed class GrowableBuffer : IBufferWriter<byte>
    {
        private byte[] _buffer;
        private int _used;

        public GrowableBuffer(int initialCapacity = 256)
        {
            _buffer = new byte[Math.Max(16, initialCapacity)];
        }

        public int WrittenCount { get; private set; }

        public int Capacity => _buffer.Length;

        public ReadOnlySpan<byte> WrittenSpan => new ReadOnlySpan<byte>(_buffer, 0, WrittenCount);

        public ReadOnlyMemory<byte> WrittenMemory => new ReadOnlyMemory<byte>(_buffer, 0, WrittenCount);

        public byte[] ToArray() => WrittenSpan.ToArray();

        /// <summary>Zeroes what was written (it may have held a credential) and starts over.</summary>
        public void Clear()
        {
            // Past the furthest count ever written nothing was kept (writers advance over what they write).
            Array.Clear(_buffer, 0, Math.Max(_used, WrittenCount));
            _used = 0;
            WrittenCount = 0;
        }

        /// <summary>Like <see cref="Clear()"/>, and lets go of the array when it grew past <paramref name="retainedCapacity"/>.</summary>
        public void Clear(int retainedCapacity)
        {
            Clear();
            if (_buffer.Length > retainedCapacity)
            {
                _buffer = new byte[Math.Max(16, retainedCapacity)];
            }
        }

        public void Advance(int count)
        {
            if (count < 0 || WrittenCount + count > _buffer.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(count));
            }

            WrittenCount += count;
            _used = Math.Max(_used, WrittenCount);
        }

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return new Memory<byte>(_buffer, WrittenCount, _buffer.Length - WrittenCount);
        }

        public Span<byte> GetSpan(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return new Span<byte>(_buffer, WrittenCount, _buffer.Length - WrittenCount);
        }

        private void Ensure(int sizeHint)
        {
            int needed = WrittenCount + Math.Max(1, sizeHint);
            if (needed > _buffer.Length)
            {
                Array.Resize(ref _buffer, Math.Max(needed, _buffer.Length * 2));
            }
        }
    }
}
