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

        // Wide enough for any double written in plain notation ("%.17f" of 1e308 is over 300 digits).
        private const int MaxDoubleLine = 384;

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

        /// <summary>The first byte of a non-empty buffer (a frame's type marker); a slice may begin with an empty segment.</summary>
        internal static byte FirstByte(ReadOnlySequence<byte> buffer)
        {
            ReadOnlySpan<byte> first = buffer.First.Span;
            if (first.Length > 0)
            {
                return first[0];
            }

            foreach (ReadOnlyMemory<byte> segment in buffer)
            {
                if (!segment.IsEmpty)
                {
                    return segment.Span[0];
                }
            }

            throw new ArgumentException("The buffer is empty.", nameof(buffer));
        }

        /// <summary>A frame still incomplete at this size will never fit the limits.</summary>
        internal static void CheckIncompleteFrame(long buffered, RespLimits limits)
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
            List<RespValue>? attributeItems = null;

            // Attributes annotate the value that follows; they are not a reply of their own. A run of them is
            // read in a loop, not by recursion, so a peer cannot exhaust the stack with "|0\r\n" repeated.
            while (reader.TryPeek(out byte next) && next == (byte)'|')
            {
                reader.TryRead(out _);
                if (!TryReadAggregate(ref reader, limits, depth, RespType.Attribute, 2, out RespValue? attributes))
                {
                    return false;
                }

                attributeItems ??= new List<RespValue>();
                attributeItems.AddRange(attributes!.Items);
            }

            if (!TryReadPlainValue(ref reader, limits, depth, out value))
            {
                return false;
            }

            if (attributeItems != null)
            {
                value = value!.WithAttributes(RespValue.Create(RespType.Attribute, null, items: attributeItems.ToArray()));
            }

            return true;
        }

        private static bool TryReadPlainValue(ref RespBufferReader reader, RespLimits limits, int depth, out RespValue? value)
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
                case (byte)'!':
                case (byte)'=':
                    return TryReadBulk(ref reader, limits, marker, frameStart, out value);
                case (byte)'*':
                    return TryReadAggregate(ref reader, limits, depth, RespType.Array, 1, out value);
                case (byte)'~':
                    return TryReadAggregate(ref reader, limits, depth, RespType.Set, 1, out value);
                case (byte)'>':
                    return TryReadAggregate(ref reader, limits, depth, RespType.Push, 1, out value);
                case (byte)'%':
                    return TryReadAggregate(ref reader, limits, depth, RespType.Map, 2, out value);
                default:
                    throw UnexpectedByte(marker, reader.Consumed - 1);
            }
        }

        private static bool TryReadLineValue(ref RespBufferReader reader, RespLimits limits, RespType type, long frameStart, out RespValue? value)
        {
            value = null;
            int length = reader.MeasureLine(limits.MaxLineLength, frameStart);
            if (length == -2)
            {
                throw LineTooLong(limits, reader.Consumed);
            }

            if (length < 0)
            {
                return false;
            }

            if (type == RespType.BigNumber)
            {
                ValidateBigNumber(reader, length, reader.Consumed + length + 2);
            }

            // MeasureLine has seen the whole line and its CRLF, so this read cannot come up short.
            var bytes = new byte[length];
            reader.TryReadLine(bytes, frameStart);
            value = RespValue.Create(type, bytes);
            return true;
        }

        private static bool TryReadBulk(ref RespBufferReader reader, RespLimits limits, byte marker, long frameStart, out RespValue? value)
        {
            value = null;
            if (!TryReadInteger(ref reader, frameStart, out long length))
            {
                return false;
            }

            if (length == -1 && marker == (byte)'$')
            {
                value = RespValue.NullBulkString;
                return true;
            }

            CheckBulkLength(length, limits, reader.Consumed);
            ValidateBulkAhead(reader, marker, length);

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

            switch (marker)
            {
                case (byte)'=':
                    string format = Encoding.ASCII.GetString(bytes, 0, 3);
                    var content = new byte[bytes.Length - 4];
                    Buffer.BlockCopy(bytes, 4, content, 0, content.Length);
                    value = RespValue.Create(RespType.VerbatimString, content, verbatimFormat: format);
                    return true;
                case (byte)'!':
                    value = RespValue.Create(RespType.BulkError, bytes);
                    return true;
                default:
                    value = RespValue.Create(RespType.BulkString, bytes);
                    return true;
            }
        }

        /// <summary>
        /// Checks whatever part of a bulk payload has already arrived (the verbatim format prefix, the CRLF
        /// after the payload), so that a malformed frame is rejected as soon as the bytes prove it rather than
        /// waiting for data that would never make it valid. Works on a copy: nothing is consumed.
        /// </summary>
        private static void ValidateBulkAhead(RespBufferReader probe, byte marker, long length)
        {
            long payloadStart = probe.Consumed;
            if (marker == (byte)'=')
            {
                if (length < 4)
                {
                    throw new RespProtocolException("Verbatim string without a three-letter format prefix", payloadStart);
                }

                RespBufferReader format = probe;
                if (format.TryAdvance(3) && format.TryRead(out byte colon) && colon != (byte)':')
                {
                    throw new RespProtocolException("Verbatim string without a three-letter format prefix", payloadStart + 3);
                }
            }

            if (probe.Remaining <= length || !probe.TryAdvance(length))
            {
                return;
            }

            if (probe.TryRead(out byte cr) && cr != (byte)'\r')
            {
                throw new RespProtocolException("Bulk payload not terminated by CRLF", payloadStart + length);
            }

            if (probe.TryRead(out byte lf) && lf != (byte)'\n')
            {
                throw new RespProtocolException("Bulk payload not terminated by CRLF", payloadStart + length + 1);
            }
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

            // Capacity grows with what actually arrives, never with the declared count: even a modest
            // up-front reservation, repeated at every nesting level of a frame that is re-read on each
            // arrival of data, adds up to hundreds of kilobytes for a few bytes of hostile input.
            var items = new List<RespValue>((int)Math.Min(total, 4));
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
                throw new RespProtocolException("Invalid bulk length " + length.ToString(CultureInfo.InvariantCulture), offset, "invalid bulk length");
            }

            if (length > limits.MaxBulkLength)
            {
                throw new RespProtocolException(
                    "Bulk length " + length.ToString(CultureInfo.InvariantCulture) + " exceeds the limit of " + limits.MaxBulkLength.ToString(CultureInfo.InvariantCulture) + " bytes", offset,
                    "invalid bulk length");
            }
        }

        private static void CheckAggregate(long count, RespLimits limits, int depth, long offset)
        {
            if (count < 0)
            {
                throw new RespProtocolException("Invalid aggregate length " + count.ToString(CultureInfo.InvariantCulture), offset, "invalid multibulk length");
            }

            if (count > limits.MaxAggregateLength)
            {
                throw new RespProtocolException(
                    "Aggregate length " + count.ToString(CultureInfo.InvariantCulture) + " exceeds the limit of " + limits.MaxAggregateLength.ToString(CultureInfo.InvariantCulture), offset,
                    "invalid multibulk length");
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

            if (length == -2)
            {
                throw new RespProtocolException("Invalid integer in RESP header: longer than " + MaxNumberLine.ToString(CultureInfo.InvariantCulture) + " characters", reader.Consumed);
            }

            if (length == 0 || !Utf8Parser.TryParse(line.Slice(0, length), out value, out int used) || used != length
                || (line[0] == (byte)'+'))
            {
                throw new RespProtocolException("Invalid integer in RESP header: '" + Printable(line, length) + "'", reader.Consumed);
            }

            return true;
        }

        private static bool TryReadDouble(ref RespBufferReader reader, long frameStart, out double value)
        {
            value = 0;
            Span<byte> line = stackalloc byte[MaxDoubleLine];
            int length = reader.TryReadLine(line, frameStart);
            if (length == -1)
            {
                return false;
            }

            if (length == -2)
            {
                throw new RespProtocolException("Invalid double in RESP: longer than " + MaxDoubleLine.ToString(CultureInfo.InvariantCulture) + " characters", reader.Consumed);
            }

            ReadOnlySpan<byte> digits = line.Slice(0, length);
            if (IsWord(digits, "inf") || IsWord(digits, "+inf"))
            {
                value = double.PositiveInfinity;
                return true;
            }

            if (IsWord(digits, "-inf"))
            {
                value = double.NegativeInfinity;
                return true;
            }

            if (IsWord(digits, "nan") || IsWord(digits, "-nan"))
            {
                value = double.NaN;
                return true;
            }

            // double.TryParse alone would also take surrounding spaces, "Infinity", "NaN" and the like,
            // none of which is RESP; only digits, sign, point and exponent may reach it.
            bool plain = length > 0;
            foreach (byte b in digits)
            {
                plain &= (b >= (byte)'0' && b <= (byte)'9') || b == (byte)'.' || b == (byte)'e' || b == (byte)'E' || b == (byte)'+' || b == (byte)'-';
            }

            if (!plain || !double.TryParse(
                Encoding.ASCII.GetString(digits.ToArray()),
                NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
                CultureInfo.InvariantCulture,
                out value))
            {
                throw new RespProtocolException("Invalid double in RESP: '" + Printable(line, length) + "'", reader.Consumed);
            }

            return true;
        }

        private static bool IsWord(ReadOnlySpan<byte> bytes, string word)
        {
            if (bytes.Length != word.Length)
            {
                return false;
            }

            for (int i = 0; i < bytes.Length; i++)
            {
                if (bytes[i] != (byte)word[i])
                {
                    return false;
                }
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

        /// <summary>
        /// Checks the <paramref name="length"/> bytes ahead of <paramref name="probe"/> (a copy; nothing is
        /// consumed) are an optionally signed run of digits. Byte by byte, so the skip path needs no buffer.
        /// </summary>
        private static void ValidateBigNumber(RespBufferReader probe, int length, long offset)
        {
            int start = 0;
            if (length > 0 && probe.TryPeek(out byte sign) && (sign == (byte)'-' || sign == (byte)'+'))
            {
                probe.TryRead(out _);
                start = 1;
            }

            if (length == start)
            {
                throw new RespProtocolException("Empty RESP3 big number", offset);
            }

            for (int i = start; i < length; i++)
            {
                probe.TryRead(out byte digit);
                if (digit < (byte)'0' || digit > (byte)'9')
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
