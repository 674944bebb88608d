using System;
using System.Buffers;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Connections;

namespace RedisCluster.Engine.Tunnel.Relay
{
    /// <summary>
    /// One direction of a standalone or pinned relay, as one loop: read what the source has into a buffer, let the
    /// filter scan it in place, write the batch on, read again. Nothing parks on the thread pool between those steps
    /// and nothing is allocated per batch. The next read starts only after the write has gone out, so a slow reader
    /// stops this direction's reads instead of growing a buffer: TCP flow control then pushes back to the sender.
    /// </summary>
    internal sealed class RelayPump
    {
        // Where the read buffer starts, and what it returns to once batches are small again.
        private const int SmallBuffer = 4096;

        private readonly Stream _source;
        private readonly Stream _destination;
        private readonly IRelayFilter _filter;
        private readonly int _largeBuffer;
        private readonly int _maxHeld;
        private readonly SemaphoreSlim? _destinationLock;
        private readonly Func<long, ValueTask<bool>> _afterBatch;

        /// <param name="largeBuffer">Largest read buffer used to stream big values (grown to when reads fill the buffer).</param>
        /// <param name="maxHeld">Largest frame the filter may hold back whole (AUTH, HELLO, topology replies).</param>
        /// <param name="destinationLock">Held while a batch is scanned and written, when another writer shares the destination.</param>
        /// <param name="afterBatch">Called with the bytes written after each batch; false ends the pump.</param>
        public RelayPump(Stream source, Stream destination, IRelayFilter filter, int largeBuffer, int maxHeld,
            SemaphoreSlim? destinationLock, Func<long, ValueTask<bool>> afterBatch)
        {
            _source = source;
            _destination = destination;
            _filter = filter;
            _largeBuffer = Math.Max(SmallBuffer, largeBuffer);
            _maxHeld = maxHeld;
            _destinationLock = destinationLock;
            _afterBatch = afterBatch;
        }

        /// <summary>Runs until the source ends (or is closed under it) or <c>afterBatch</c> says stop.</summary>
        public async Task RunAsync()
        {
            var output = new RelayOutput();
            byte[]? input = null;
            int held = 0;
            int size = SmallBuffer;
            try
            {
                while (true)
                {
                    if (held == 0 && StreamPipes.ZeroByteReads)
                    {
                        // Wait for data holding no buffer (a TLS stream then holds none either): a thousand idle
                        // clients must not hold a thousand pairs of buffers. The read that follows finds the data.
                        if (input != null)
                        {
                            ArrayPool<byte>.Shared.Return(input);
                            input = null;
                        }

                        await RelayStreamIo.ReadAsync(_source, Array.Empty<byte>(), 0, 0, CancellationToken.None).ConfigureAwait(false);
                    }

                    input ??= ArrayPool<byte>.Shared.Rent(size);
                    if (held == input.Length)
                    {
                        // A frame the filter reads whole is larger than the buffer.
                        if (held >= _maxHeld)
                        {
                            throw new InvalidDataException("a frame the tunnel must read whole is larger than " + _maxHeld + " bytes");
                        }

                        input = Resize(input, held, Math.Min(_maxHeld, input.Length * 2));
                    }

                    int read = await RelayStreamIo.ReadAsync(_source, input, held, input.Length - held, CancellationToken.None).ConfigureAwait(false);
                    if (read == 0)
                    {
                        return;
                    }

                    bool full = held + read == input.Length;
                    long written;
                    if (_destinationLock != null)
                    {
                        await _destinationLock.WaitAsync().ConfigureAwait(false);
                    }

                    try
                    {
                        held = Scan(input, held + read, output, out written);
                        if (output.Count > 0)
                        {
                            await RelayStreamIo.WriteAsync(_destination, output.Buffer, 0, output.Count, CancellationToken.None).ConfigureAwait(false);
                        }
                    }
                    finally
                    {
                        output.Reset();
                        _destinationLock?.Release();
                    }

                    if (!await _afterBatch(written).ConfigureAwait(false))
                    {
                        return;
                    }

                    size = NextSize(size, read, full);
                    bool kept = held > 0 || !StreamPipes.ZeroByteReads;
                    if (kept && (input.Length < size || (input.Length > size && held <= size)))
                    {
                        input = Resize(input, held, size);
                    }
                }
            }
            finally
            {
                output.Reset();
                if (input != null)
                {
                    ArrayPool<byte>.Shared.Return(input);
                }
            }
        }

        /// <summary>Runs the filter over the filled part of the buffer; returns how many bytes it held back (moved to the start).</summary>
        private int Scan(byte[] input, int filled, RelayOutput output, out long written)
        {
            var sequence = new ReadOnlySequence<byte>(input, 0, filled);
            SequencePosition used = _filter.Process(sequence, output, out written);
            int consumed = (int)sequence.Slice(0, used).Length;
            int held = filled - consumed;
            if (held > 0 && consumed > 0)
            {
                Buffer.BlockCopy(input, consumed, input, 0, held);
            }

            return held;
        }

        // Big values stream faster through a big buffer; small batches go back to a small one.
        private int NextSize(int size, int read, bool full)
        {
            if (full)
            {
                return Math.Min(_largeBuffer, size * 4);
            }

            return read <= SmallBuffer / 2 ? SmallBuffer : size;
        }

        private static byte[] Resize(byte[] input, int held, int size)
        {
            byte[] resized = ArrayPool<byte>.Shared.Rent(Math.Max(size, held));
            Buffer.BlockCopy(input, 0, resized, 0, held);
            ArrayPool<byte>.Shared.Return(input);
            return resized;
        }
    }
}
