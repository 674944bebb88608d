using System;
using System.Buffers;

namespace RedisCluster.Engine.Protocol
{
    /// <summary>
    /// A forward-only cursor over a possibly multi-segment buffer (netstandard2.0 has no SequenceReader).
    /// Reads never allocate; they return false when the buffer ends first.
    /// </summary>
    internal ref struct RespBufferReader
    {
        private readonly ReadOnlySequence<byte> _sequence;
        private SequencePosition _nextSegment;
        private ReadOnlySpan<byte> _span;
        private int _index;
        private bool _moreSegments;

        public RespBufferReader(ReadOnlySequence<byte> sequence)
        {
            _sequence = sequence;
            _nextSegment = sequence.Start;
            _span = default;
            _index = 0;
            Consumed = 0;
            _moreSegments = true;
            LoadNextSegment();
        }

        /// <summary>Bytes consumed since the start of the sequence.</summary>
        public long Consumed { get; private set; }

        public SequencePosition Position => _sequence.GetPosition(Consumed);

        public bool End => _index >= _span.Length && !LoadNextSegment();

        private bool LoadNextSegment()
        {
            while (_moreSegments)
            {
                _moreSegments = _sequence.TryGet(ref _nextSegment, out ReadOnlyMemory<byte> memory, advance: true);
                if (_moreSegments && memory.Length > 0)
                {
                    _span = memory.Span;
                    _index = 0;
                    return true;
                }
            }

            return false;
        }

        public bool TryRead(out byte value)
        {
            if (_index >= _span.Length && !LoadNextSegment())
            {
                value = 0;
                return false;
            }

            value = _span[_index++];
            Consumed++;
            return true;
        }

        public bool TryPeek(out byte value)
        {
            if (_index >= _span.Length && !LoadNextSegment())
            {
                value = 0;
                return false;
            }

            value = _span[_index];
            return true;
        }

        /// <summary>
        /// Reads bytes up to CRLF into <paramref name="destination"/> (CRLF consumed, not copied).
        /// Returns the length, -1 when the buffer ends first, or -2 when the line is longer than the destination.
        /// A bare CR or LF inside the line is a protocol error.
        /// </summary>
        public int TryReadLine(scoped Span<byte> destination, long frameStart)
        {
            int length = 0;
            while (true)
            {
                if (_index >= _span.Length && !LoadNextSegment())
                {
                    return -1;
                }

                ReadOnlySpan<byte> rest = _span.Slice(_index);
                int cr = rest.IndexOf((byte)'\r');
                int take = cr < 0 ? rest.Length : cr;
                if (rest.Slice(0, take).IndexOf((byte)'\n') >= 0)
                {
                    throw new RespProtocolException("Line feed without carriage return inside a RESP line", Consumed - frameStart);
                }

                if (length + take > destination.Length)
                {
                    return -2;
                }

                rest.Slice(0, take).CopyTo(destination.Slice(length));
                length += take;
                _index += take;
                Consumed += take;
                if (cr < 0)
                {
                    continue;
                }

                // At the CR: the LF may be in the next segment.
                _index++;
                Consumed++;
                if (!TryRead(out byte lf))
                {
                    return -1;
                }

                if (lf != (byte)'\n')
                {
                    throw new RespProtocolException("Carriage return not followed by line feed in a RESP line", Consumed - 1 - frameStart);
                }

                return length;
            }
        }

        /// <summary>
        /// Length of the line ahead (up to its CR) without consuming it: -1 when no CR arrives before the
        /// buffer ends, -2 when the line is longer than <paramref name="max"/>.
        /// </summary>
        public int MeasureLine(int max)
        {
            RespBufferReader probe = this;
            long length = 0;
            while (true)
            {
                if (probe._index >= probe._span.Length && !probe.LoadNextSegment())
                {
                    return length > max ? -2 : -1;
                }

                ReadOnlySpan<byte> rest = probe._span.Slice(probe._index);
                int cr = rest.IndexOf((byte)'\r');
                if (cr >= 0)
                {
                    length += cr;
                    return length > max ? -2 : (int)length;
                }

                length += rest.Length;
                if (length > max)
                {
                    return -2;
                }

                probe._index = probe._span.Length;
            }
        }

        /// <summary>Copies exactly destination.Length bytes, or returns false when the buffer ends first.</summary>
        public bool TryCopy(scoped Span<byte> destination)
        {
            int copied = 0;
            while (copied < destination.Length)
            {
                if (_index >= _span.Length && !LoadNextSegment())
                {
                    return false;
                }

                int take = Math.Min(_span.Length - _index, destination.Length - copied);
                _span.Slice(_index, take).CopyTo(destination.Slice(copied));
                _index += take;
                copied += take;
                Consumed += take;
            }

            return true;
        }

        /// <summary>Skips exactly count bytes, or returns false when the buffer ends first.</summary>
        public bool TryAdvance(long count)
        {
            while (count > 0)
            {
                if (_index >= _span.Length && !LoadNextSegment())
                {
                    return false;
                }

                int take = (int)Math.Min(_span.Length - _index, count);
                _index += take;
                count -= take;
                Consumed += take;
            }

            return true;
        }

        /// <summary>Bytes left from the cursor to the end of the buffer.</summary>
        public long Remaining => _sequence.Length - Consumed;
    }
}
