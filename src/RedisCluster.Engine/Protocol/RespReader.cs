using System;
using System.Buffers;
using System.Buffers.Text;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace RedisCluster.Engine.Protocol
{
    /// <summary>
    /// Incremental RESP2/RESP3 parser. Each call either reads one whole frame or reports that more
    /// bytes are needed; a partial frame is re-read from its start when more data arrives. Limits are
    /// checked before anything is allocated, so declared lengths never drive allocation.
    /// </summary>
    public static class RespReader
    {
        private const int MaxNumberLine = 64;

        /// <summary>
        /// Reads one frame from the start of <paramref name="buffer"/>. Returns false when the buffer
        /// holds only part of a frame. Throws <see cref="RespProtocolException"/> for malformed input.
        /// </summary>
        public static bool TryRead(ReadOnlySequence<byte> buffer, RespLimits limits, out RespValue value, out SequencePosition end)
        {
            var reader = new RespBufferReader(buffer);
            if (TryReadValue(ref reader, limits, 0, out RespValue? parsed))
            {
                value = parsed!;
                end = reader.Position;
                return true;
            }

            CheckIncompleteFrame(buffer.Length, limits);
            value = RespValue.Null;
            end = buffer.Start;
            return false;
        }

        /// <summary>
        /// Finds the end of one frame without materialising it (for byte pass-through). Returns false when
        /// the buffer holds only part of a frame.
        /// </summary>
        public static bool TrySkip(ReadOnlySequence<byte> buffer, RespLimits limits, out SequencePosition end)
        {
            var reader = new RespBufferReader(buffer);
            if (SkipValue(ref reader, limits, 0))
            {
                end = reader.Position;
                return true;
            }

            CheckIncompleteFrame(buffer.Length, limits);
            end = buffer.Start;
            return false;
        }

        private static void CheckIncompleteFrame(long buffered, RespLimits limits)
        {
            if (buffered > limits.MaxFrameLength)
            {
                throw new RespProtocolException(
                    "RESP frame exceeds the limit of " + limits.MaxFrameLength + " bytes", -1);
            }
        }

        private static bool TryReadValue(ref RespBufferReader reader, RespLimits limits, int depth, out RespValue? value)
        {
            value = null;
            long frameStart = 0;
            if (!reader.TryRead(out byte marker))
            {
                return false;
            }

            switch (marker)
            {
                case (byte)'+':
                    return TryReadLineValue(ref reader, limits, RespType.SimpleString, frameStart, out value);
                case (byte)'-':
                    return TryReadLineValue(ref reader, limits, RespType.Error, frameStart, out value);
                case (byte)'(':
                    return TryReadLineValue(ref reader, limits, RespType.BigNumber, frameStart, out value);
                case (byte)':':
                {
                    if (!TryReadInteger(ref reader, frameStart, out long n))
                    {
                        return false;
                    }

                    value = RespValue.FromInteger(n);
                    return true;
                }

                case (byte)',':
                {
                    if (!TryReadDouble(ref reader, frameStart, out double d))
                    {
                        return false;
                    }

                    value = RespValue.FromDouble(d);
                    return true;
                }

                case (byte)'#':
                    return TryReadBoolean(ref reader, frameStart, out value);
                case (byte)'_':
                    if (!TryReadEmptyLine(ref reader, frameStart))
                    {
                        return false;
                    }

                    value = RespValue.Null;
                    return true;
                case (byte)'$':
                    return TryReadBulk(ref reader, limits, RespType.BulkString, frameStart, out value);
                case (byte)'!':
                    return TryReadBulk(ref reader, limits, RespType.BulkError, frameStart, out value);
                case (byte)'=':
                    return TryReadBulk(ref reader, limits, RespType.VerbatimString, frameStart, out value);
                case (byte)'*':
                    return TryReadAggregate(ref reader, limits, depth, RespType.Array, 1, out value);
                case (byte)'~':
                    return TryReadAggregate(ref reader, limits, depth, RespType.Set, 1, out value);
                case (byte)'>':
                    return TryReadAggregate(ref reader, limits, depth, RespType.Push, 1, out value);
                case (byte)'%':
                    return TryReadAggregate(ref reader, limits, depth, RespType.Map, 2, out value);
                case (byte)'|':
                {
                    if (!TryReadAggregate(ref reader, limits, depth, RespType.Attribute, 2, out RespValue? attributes))
                    {
                        return false;
                    }

                    // Attributes annotate the value that follows; they are not a reply of their own.
                    if (!TryReadValue(ref reader, limits, depth, out RespValue? annotated))
                    {
                        return false;
                    }

                    value = annotated!.WithAttributes(attributes!);
                    return true;
                }

                default:
                    throw UnexpectedByte(marker, reader.Consumed - 1);
            }
        }

        private static bool SkipValue(ref RespBufferReader reader, RespLimits limits, int depth)
        {
            long frameStart = 0;
            if (!reader.TryRead(out byte marker))
            {
                return false;
            }

            switch (marker)
            {
                case (byte)'+':
                case (byte)'-':
                case (byte)'(':
                {
                    int length = reader.MeasureLine(limits.MaxLineLength);
                    if (length == -2)
                    {
                        throw LineTooLong(limits, reader.Consumed);
                    }

                    if (length < 0)
                    {
                        return false;
                    }

                    return reader.TryAdvance(length) && TryReadCrLf(ref reader, frameStart);
                }

                case (byte)':':
                    return TryReadInteger(ref reader, frameStart, out _);
                case (byte)',':
                    return TryReadDouble(ref reader, frameStart, out _);
                case (byte)'#':
                    return TryReadBoolean(ref reader, frameStart, out _);
                case (byte)'_':
                    return TryReadEmptyLine(ref reader, frameStart);
                case (byte)'$':
                case (byte)'!':
                case (byte)'=':
                {
                    if (!TryReadInteger(ref reader, frameStart, out long length))
                    {
                        return false;
                    }

                    if (length == -1 && marker == (byte)'$')
                    {
                        return true;
                    }

                    CheckBulkLength(length, limits, reader.Consumed);
                    return reader.TryAdvance(length) && TryReadCrLf(ref reader, frameStart);
                }

                case (byte)'*':
                case (byte)'~':
                case (byte)'>':
                case (byte)'%':
                case (byte)'|':
                {
                    if (!TryReadInteger(ref reader, frameStart, out long count))
                    {
                        return false;
                    }

                    if (count == -1 && marker == (byte)'*')
                    {
                        return true;
                    }

                    int multiplier = marker == (byte)'%' || marker == (byte)'|' ? 2 : 1;
                    CheckAggregate(count, limits, depth, reader.Consumed);
                    for (long i = 0; i < count * multiplier; i++)
                    {
                        if (!SkipValue(ref reader, limits, depth + 1))
                        {
                            return false;
                        }
                    }

                    return marker != (byte)'|' || SkipValue(ref reader, limits, depth);
                }

                default:
                    throw UnexpectedByte(marker, reader.Consumed - 1);
            }
        }

        private static bool TryReadLineValue(ref RespBufferReader reader, RespLimits limits, RespType type, long frameStart, out RespValue? value)
        {
            value = null;
            int length = reader.MeasureLine(limits.MaxLineLength);
            if (length == -2)
            {
                throw LineTooLong(limits, reader.Consumed);
            }

            if (length < 0)
            {
                return false;
            }

            var bytes = new byte[length];
            if (reader.TryReadLine(bytes, frameStart) < 0)
            {
                return false;
            }

            if (type == RespType.BigNumber)
            {
                ValidateBigNumber(bytes, reader.Consumed);
            }

            value = RespValue.Create(type, bytes);
            return true;
        }

        private static bool TryReadBulk(ref RespBufferReader reader, RespLimits limits, RespType type, long frameStart, out RespValue? value)
        {
            value = null;
            if (!TryReadInteger(ref reader, frameStart, out long length))
            {
                return false;
            }

            if (length == -1 && type == RespType.BulkString)
            {
                value = RespValue.NullBulkString;
                return true;
            }

            CheckBulkLength(length, limits, reader.Consumed);

            // Do not allocate until the whole payload has arrived: a declared length is only a claim.
            if (reader.Remaining < length + 2)
            {
                return false;
            }

            var bytes = new byte[length];
            if (!reader.TryCopy(bytes) || !TryReadCrLf(ref reader, frameStart))
            {
                return false;
            }

            if (type == RespType.VerbatimString)
            {
                if (bytes.Length < 4 || bytes[3] != (byte)':')
                {
                    throw new RespProtocolException("Verbatim string without a three-letter format prefix", reader.Consumed);
                }

                string format = Encoding.ASCII.GetString(bytes, 0, 3);
                var content = new byte[bytes.Length - 4];
                Buffer.BlockCopy(bytes, 4, content, 0, content.Length);
                value = RespValue.Create(RespType.VerbatimString, content, verbatimFormat: format);
                return true;
            }

            value = RespValue.Create(type, bytes);
            return true;
        }

        private static bool TryReadAggregate(ref RespBufferReader reader, RespLimits limits, int depth, RespType type, int multiplier, out RespValue? value)
        {
            value = null;
            if (!TryReadInteger(ref reader, 0, out long count))
            {
                return false;
            }

            if (count == -1 && type == RespType.Array)
            {
                value = RespValue.NullArray;
                return true;
            }

            CheckAggregate(count, limits, depth, reader.Consumed);
            long total = count * multiplier;

            // Capacity grows with what actually arrives, never with the declared count.
            var items = new List<RespValue>((int)Math.Min(total, 1024));
            for (long i = 0; i < total; i++)
            {
                if (!TryReadValue(ref reader, limits, depth + 1, out RespValue? item))
                {
                    return false;
                }

                items.Add(item!);
            }

            value = RespValue.Create(type, null, items: items.ToArray());
            return true;
        }

        private static void CheckBulkLength(long length, RespLimits limits, long offset)
        {
            if (length < 0)
            {
                throw new RespProtocolException("Invalid bulk length " + length.ToString(CultureInfo.InvariantCulture), offset);
            }

            if (length > limits.MaxBulkLength)
            {
                throw new RespProtocolException(
                    "Bulk length " + length.ToString(CultureInfo.InvariantCulture) + " exceeds the limit of " + limits.MaxBulkLength.ToString(CultureInfo.InvariantCulture) + " bytes", offset);
            }
        }

        private static void CheckAggregate(long count, RespLimits limits, int depth, long offset)
        {
            if (count < 0)
            {
                throw new RespProtocolException("Invalid aggregate length " + count.ToString(CultureInfo.InvariantCulture), offset);
            }

            if (count > limits.MaxAggregateLength)
            {
                throw new RespProtocolException(
                    "Aggregate length " + count.ToString(CultureInfo.InvariantCulture) + " exceeds the limit of " + limits.MaxAggregateLength.ToString(CultureInfo.InvariantCulture), offset);
            }

            if (depth + 1 > limits.MaxDepth)
            {
                throw new RespProtocolException("Aggregates nested deeper than " + limits.MaxDepth.ToString(CultureInfo.InvariantCulture) + " levels", offset);
            }
        }

        private static bool TryReadInteger(ref RespBufferReader reader, long frameStart, out long value)
        {
            value = 0;
            Span<byte> line = stackalloc byte[MaxNumberLine];
            int length = reader.TryReadLine(line, frameStart);
            if (length == -1)
            {
                return false;
            }

            if (length == -2 || length == 0 || !Utf8Parser.TryParse(line.Slice(0, length), out value, out int used) || used != length
                || (line[0] == (byte)'+'))
            {
                throw new RespProtocolException("Invalid integer in RESP header: '" + Printable(line, length) + "'", reader.Consumed);
            }

            return true;
        }

        private static bool TryReadDouble(ref RespBufferReader reader, long frameStart, out double value)
        {
            value = 0;
            Span<byte> line = stackalloc byte[MaxNumberLine * 6];
            int length = reader.TryReadLine(line, frameStart);
            if (length == -1)
            {
                return false;
            }

            string text = length < 0 ? string.Empty : Encoding.ASCII.GetString(line.Slice(0, length).ToArray());
            switch (text)
            {
                case "inf":
                case "+inf":
                    value = double.PositiveInfinity;
                    return true;
                case "-inf":
                    value = double.NegativeInfinity;
                    return true;
                case "nan":
                case "-nan":
                    value = double.NaN;
                    return true;
            }

            if (length <= 0 || !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
            {
                throw new RespProtocolException("Invalid double in RESP: '" + Printable(line, Math.Max(length, 0)) + "'", reader.Consumed);
            }

            return true;
        }

        private static bool TryReadBoolean(ref RespBufferReader reader, long frameStart, out RespValue? value)
        {
            value = null;
            Span<byte> line = stackalloc byte[2];
            int length = reader.TryReadLine(line, frameStart);
            if (length == -1)
            {
                return false;
            }

            if (length == 1 && line[0] == (byte)'t')
            {
                value = RespValue.True;
                return true;
            }

            if (length == 1 && line[0] == (byte)'f')
            {
                value = RespValue.False;
                return true;
            }

            throw new RespProtocolException("Invalid RESP3 boolean (expected #t or #f)", reader.Consumed);
        }

        private static bool TryReadEmptyLine(ref RespBufferReader reader, long frameStart)
        {
            Span<byte> line = stackalloc byte[1];
            int length = reader.TryReadLine(line, frameStart);
            if (length == -1)
            {
                return false;
            }

            if (length != 0)
            {
                throw new RespProtocolException("Invalid RESP3 null (expected _ followed by CRLF)", reader.Consumed);
            }

            return true;
        }

        private static bool TryReadCrLf(ref RespBufferReader reader, long frameStart)
        {
            if (!reader.TryRead(out byte cr))
            {
                return false;
            }

            if (!reader.TryRead(out byte lf))
            {
                if (cr != (byte)'\r')
                {
                    throw new RespProtocolException("Bulk payload not terminated by CRLF", reader.Consumed - 1 - frameStart);
                }

                return false;
            }

            if (cr != (byte)'\r' || lf != (byte)'\n')
            {
                throw new RespProtocolException("Bulk payload not terminated by CRLF", reader.Consumed - 2 - frameStart);
            }

            return true;
        }

        private static void ValidateBigNumber(byte[] bytes, long offset)
        {
            int start = bytes.Length > 0 && (bytes[0] == (byte)'-' || bytes[0] == (byte)'+') ? 1 : 0;
            if (bytes.Length == start)
            {
                throw new RespProtocolException("Empty RESP3 big number", offset);
            }

            for (int i = start; i < bytes.Length; i++)
            {
                if (bytes[i] < (byte)'0' || bytes[i] > (byte)'9')
                {
                    throw new RespProtocolException("Invalid digit in RESP3 big number", offset);
                }
            }
        }

        private static RespProtocolException LineTooLong(RespLimits limits, long offset)
            => new RespProtocolException("RESP line longer than the limit of " + limits.MaxLineLength.ToString(CultureInfo.InvariantCulture) + " bytes", offset);

        private static RespProtocolException UnexpectedByte(byte marker, long offset)
        {
            string shown = marker >= 0x20 && marker < 0x7f ? "'" + (char)marker + "'" : "0x" + marker.ToString("x2", CultureInfo.InvariantCulture);
            return new RespProtocolException("Unexpected byte " + shown + " where a RESP type marker was expected", offset);
        }

        private static string Printable(Span<byte> line, int length)
        {
            var sb = new StringBuilder();
            for (int i = 0; i < Math.Min(Math.Max(length, 0), 32); i++)
            {
                byte b = line[i];
                sb.Append(b >= 0x20 && b < 0x7f ? (char)b : '?');
            }

            return sb.ToString();
        }
    }
}
