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
            => ScanLine(destination, copy: true, destination.Length, frameStart);

        /// <summary>Consumes a line like <see cref="TryReadLine"/> without copying it anywhere.</summary>
        public int TrySkipLine(int max, long frameStart)
            => ScanLine(default, copy: false, max, frameStart);

        /// <summary>
        /// Length of the line ahead (CRLF excluded) without consuming it, with the same results and errors
        /// as <see cref="TrySkipLine"/>; lets a caller size an allocation only once the whole line is here.
        /// </summary>
        public int MeasureLine(int max, long frameStart)
        {
            RespBufferReader probe = this;
            return probe.TrySkipLine(max, frameStart);
        }

        private int ScanLine(scoped Span<byte> destination, bool copy, int max, long frameStart)
        {
            int length = 0;
            while (true)
            {
                if (_index >= _span.Length && !LoadNextSegment())
                {
                    return -1;
                }

                // Look no further than one byte past the limit, so that whichever comes first in the
                // stream (CR, bare LF, or the limit) decides the outcome however the bytes are segmented.
                ReadOnlySpan<byte> rest = _span.Slice(_index);
                ReadOnlySpan<byte> window = rest.Slice(0, (int)Math.Min(rest.Length, (long)max - length + 1));
                int stop = window.IndexOfAny((byte)'\r', (byte)'\n');
                if (stop < 0)
                {
                    if (length + window.Length > max)
                    {
                        return -2;
                    }

                    if (copy)
                    {
                        window.CopyTo(destination.Slice(length));
                    }

                    length += window.Length;
                    _index += window.Length;
                    Consumed += window.Length;
                    continue;
                }

                if (window[stop] == (byte)'\n')
                {
                    throw new RespProtocolException("Line feed without carriage return inside a RESP line", Consumed + stop - frameStart);
                }

                if (copy)
                {
                    window.Slice(0, stop).CopyTo(destination.Slice(length));
                }

                length += stop;
                _index += stop + 1;
                Consumed += stop + 1;

                // The LF may be in the next segment.
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
