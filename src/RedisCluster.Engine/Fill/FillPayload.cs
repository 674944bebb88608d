using System;

namespace RedisCluster.Engine.Fill
{
    /// <summary>
    /// One shared buffer of random bytes; each value is a window into it, so nothing is generated or
    /// allocated per key. The windows start at different offsets, so values differ from key to key.
    /// </summary>
    public sealed class FillPayload
    {
        private const int BufferSize = 4 * 1024 * 1024;

        private readonly byte[] _buffer;
        private readonly int _valueSize;
        private readonly int _span;

        public FillPayload(int valueSize, int? seed)
        {
            _valueSize = valueSize;
            _buffer = new byte[Math.Max(BufferSize, valueSize * 2)];
            var random = seed.HasValue ? new Random(seed.Value) : new Random();
            random.NextBytes(_buffer);
            _span = _buffer.Length - valueSize;
        }

        public int ValueSizeOf => _valueSize;

        public ReadOnlySpan<byte> ValueFor(long index)
        {
            int offset = (int)((ulong)(index * 2654435761L) % (ulong)_span);
            return new ReadOnlySpan<byte>(_buffer, offset, _valueSize);
        }
    }
}
