using System;
using System.Buffers;

namespace RedisCluster.Engine.Tunnel.Relay
{
    /// <summary>
    /// Where a relay filter puts what one batch sends on: an array rented for the batch and given back after the
    /// write, so an idle connection holds none. What was written is zeroed on return, because the tunnel's own
    /// AUTH command passes through here.
    /// </summary>
    internal sealed class RelayOutput : IBufferWriter<byte>
    {
        private const int MinimumSize = 4096;
        private byte[]? _buffer;

        public int Count { get; private set; }

        public byte[] Buffer => _buffer ?? Array.Empty<byte>();

        public void Advance(int count)
        {
            if (count < 0 || Count + count > Buffer.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(count));
            }

            Count += count;
        }

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return new Memory<byte>(_buffer, Count, _buffer!.Length - Count);
        }

        public Span<byte> GetSpan(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return new Span<byte>(_buffer, Count, _buffer!.Length - Count);
        }

        /// <summary>Gives the array back (cleared) after the batch has been written.</summary>
        public void Reset()
        {
            if (_buffer == null)
            {
                return;
            }

            Array.Clear(_buffer, 0, Count);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
            Count = 0;
        }

        private void Ensure(int sizeHint)
        {
            int needed = Count + Math.Max(sizeHint, 1);
            if (_buffer != null && needed <= _buffer.Length)
            {
                return;
            }

            byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, Math.Max(MinimumSize, Buffer.Length * 2)));
            if (_buffer != null)
            {
                System.Buffer.BlockCopy(_buffer, 0, larger, 0, Count);
                Array.Clear(_buffer, 0, Count);
                ArrayPool<byte>.Shared.Return(_buffer);
            }

            _buffer = larger;
        }
    }
}
