using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;

namespace RedisCluster.Engine.Protocol
{
    /// <summary>
    /// Reads a client's commands the way a Redis server does (networking.c): a RESP array of bulk strings, or
    /// an inline command (a line split by <see cref="InlineArguments"/>, what people type into telnet). The
    /// faults carry Redis's own texts (<see cref="RespProtocolException.RedisReason"/>), so that a client sees
    /// what the server would tell it; the caller's limits bound what is ever buffered for one command.
    /// </summary>
    public static class CommandReader
    {
        /// <summary>Redis's PROTO_INLINE_MAX_SIZE: the longest header line (and, by default, inline command) waited for.</summary>
        private const int MaxHeaderLine = 64 * 1024;

        /// <summary>Digits kept of a header line: more than any valid length has.</summary>
        private const int MaxDigits = 24;

        /// <summary>
        /// Reads one command from the start of <paramref name="buffer"/>. False when only part of one is there
        /// (<paramref name="end"/> is then the start). True with null arguments for what Redis ignores: a blank
        /// line, <c>*0</c>, a negative count. Nothing is allocated before the whole command has arrived.
        /// </summary>
        /// <exception cref="RespProtocolException">The input is not a command, or exceeds <paramref name="limits"/>.</exception>
        public static bool TryRead(ReadOnlySequence<byte> buffer, RespLimits limits, out byte[][]? arguments, out SequencePosition end)
        {
            arguments = null;
            end = buffer.Start;
            if (buffer.IsEmpty)
            {
                return false;
            }

            return RespReader.FirstByte(buffer) == (byte)'*'
                ? TryReadArray(buffer, limits, out arguments, ref end)
                : TryReadInline(buffer, limits, out arguments, ref end);
        }

        /// <summary>Reads one command and slices it off <paramref name="buffer"/>; see <see cref="TryRead(ReadOnlySequence{byte}, RespLimits, out byte[][], out SequencePosition)"/>.</summary>
        public static bool TryRead(ref ReadOnlySequence<byte> buffer, RespLimits limits, out byte[][]? arguments)
        {
            if (!TryRead(buffer, limits, out arguments, out SequencePosition end))
            {
                return false;
            }

            buffer = buffer.Slice(end);
            return true;
        }

        private static bool TryReadInline(ReadOnlySequence<byte> buffer, RespLimits limits, out byte[][]? arguments, ref SequencePosition end)
        {
            arguments = null;
            long window = Math.Min(buffer.Length, (long)limits.MaxLineLength + 1);
            SequencePosition? newline = buffer.Slice(0, window).PositionOf((byte)'\n');
            if (newline == null)
            {
                if (buffer.Length > limits.MaxLineLength)
                {
                    throw new RespProtocolException("Inline command longer than " + limits.MaxLineLength.ToString(CultureInfo.InvariantCulture) + " bytes", 0, "too big inline request");
                }

                return false;
            }

            byte[] line = buffer.Slice(0, newline.Value).ToArray();
            end = buffer.GetPosition(1, newline.Value);
            int length = line.Length > 0 && line[line.Length - 1] == (byte)'\r' ? line.Length - 1 : line.Length;
            if (!InlineArguments.TrySplit(new ReadOnlySpan<byte>(line, 0, length), out List<byte[]> parts, out InlineQuoteFault? fault))
            {
                throw new RespProtocolException("Unbalanced quotes in an inline command", fault!.Index, "unbalanced quotes in request");
            }

            arguments = parts.Count > 0 ? parts.ToArray() : null;
            return true;
        }

        private static bool TryReadArray(ReadOnlySequence<byte> buffer, RespLimits limits, out byte[][]? arguments, ref SequencePosition end)
        {
            if (TryReadWhole(buffer.First.Span, limits, out arguments, out int consumed))
            {
                end = buffer.GetPosition(consumed);
                return true;
            }

            arguments = null;
            var reader = new RespBufferReader(buffer);
            reader.TryRead(out _);
            if (!TryReadNumber(ref reader, "too big mbulk count string", out long count, out bool valid))
            {
                return Incomplete(buffer, limits);
            }

            if (!valid || count > int.MaxValue || count > limits.MaxAggregateLength)
            {
                throw new RespProtocolException("Invalid or oversized argument count", 0, "invalid multibulk length");
            }

            if (count <= 0)
            {
                end = reader.Position;
                return true;
            }

            // First only find the end, checking every header; then copy the arguments out.
            RespBufferReader first = reader;
            for (long i = 0; i < count; i++)
            {
                long at = reader.Consumed;
                if (!reader.TryRead(out byte marker) || !TryReadNumber(ref reader, "too big bulk count string", out long length, out valid))
                {
                    return Incomplete(buffer, limits);
                }

                if (marker != (byte)'$')
                {
                    throw new RespProtocolException("expected '$', got " + Shown(marker), at, "expected '$', got " + Shown(marker));
                }

                if (!valid || length < 0 || length > limits.MaxBulkLength)
                {
                    throw new RespProtocolException("Invalid or oversized argument length", at, "invalid bulk length");
                }

                // Like Redis, the two bytes after the payload are taken for its CRLF without looking.
                if (!reader.TryAdvance(length + 2))
                {
                    return Incomplete(buffer, limits);
                }
            }

            end = reader.Position;
            var args = new byte[count][];
            reader = first;
            for (long i = 0; i < count; i++)
            {
                reader.TryRead(out _);
                TryReadNumber(ref reader, string.Empty, out long length, out _);
                var argument = new byte[length];
                reader.TryCopy(argument);
                reader.TryAdvance(2);
                args[i] = argument;
            }

            arguments = args;
            return true;
        }

        /// <summary>
        /// The usual case, read from one span: a whole, valid command in the buffer's first segment (a pipelined client's
        /// read is mostly that), without the segment-aware reader's byte-at-a-time walk. It accepts exactly the commands
        /// the walk below accepts and reads them the same way (Redis's rules: string2ll numbers, the byte after each CR and
        /// the two after each payload taken unread); false for anything else (cut off, spread over segments, empty,
        /// malformed or over a limit), which the walk then reads, faults and all.
        /// </summary>
        private static bool TryReadWhole(ReadOnlySpan<byte> span, RespLimits limits, out byte[][]? arguments, out int consumed)
        {
            arguments = null;
            consumed = 0;
            int first = WholeNumber(span, 1, out long count);
            if (first == 0 || count <= 0 || count > int.MaxValue || count > limits.MaxAggregateLength)
            {
                return false;
            }

            // Every header checked and the end found before anything is allocated.
            int at = first;
            for (long i = 0; i < count; i++)
            {
                long length = 0;
                int payload = at < span.Length && span[at] == (byte)'$' ? WholeNumber(span, at + 1, out length) : 0;
                if (payload == 0 || length < 0 || length > limits.MaxBulkLength || payload + length + 2 > span.Length)
                {
                    return false;
                }

                at = payload + (int)length + 2;
            }

            var args = new byte[count][];
            at = first;
            for (int i = 0; i < args.Length; i++)
            {
                int payload = WholeNumber(span, at + 1, out long length);
                args[i] = span.Slice(payload, (int)length).ToArray();
                at = payload + (int)length + 2;
            }

            arguments = args;
            consumed = at;
            return true;
        }

        /// <summary>
        /// Where a header's line that starts at <paramref name="from"/> ends (past its CR and the byte after it), with its
        /// number, as <see cref="TryReadNumber"/> reads it; 0 when the line is not all in <paramref name="span"/>, longer
        /// than a number can be, or not a number.
        /// </summary>
        private static int WholeNumber(ReadOnlySpan<byte> span, int from, out long value)
        {
            value = 0;
            if (from >= span.Length)
            {
                return 0;
            }

            int cr = span.Slice(from, Math.Min(span.Length - from, MaxDigits + 1)).IndexOf((byte)'\r');
            return cr >= 0 && from + cr + 1 < span.Length && TryParseStrict(span.Slice(from, cr), out value) ? from + cr + 2 : 0;
        }

        /// <summary>
        /// Reads a header's number up to its CR and the byte after it (Redis's LF, not checked). False when the
        /// line has not fully arrived; a line (its marker counted) without CR within Redis's bound is the <paramref name="tooBig"/> fault.
        /// <paramref name="valid"/> says whether the line is a number as Redis's string2ll reads one.
        /// </summary>
        internal static bool TryReadNumber(ref RespBufferReader reader, string tooBig, out long value, out bool valid)
        {
            value = 0;
            valid = false;
            Span<byte> digits = stackalloc byte[MaxDigits];
            int length = 0;
            while (true)
            {
                if (!reader.TryRead(out byte b))
                {
                    return false;
                }

                if (b == (byte)'\r')
                {
                    break;
                }

                if (length < MaxDigits)
                {
                    digits[length] = b;
                }

                if (++length >= MaxHeaderLine)
                {
                    throw new RespProtocolException("Header line longer than " + MaxHeaderLine.ToString(CultureInfo.InvariantCulture) + " bytes", reader.Consumed, tooBig);
                }
            }

            if (!reader.TryRead(out _))
            {
                return false;
            }

            valid = length <= MaxDigits && TryParseStrict(digits.Slice(0, length), out value);
            return true;
        }

        /// <summary>Redis's string2ll: an optional minus, no leading zeros or plus sign, no overflow.</summary>
        internal static bool TryParseStrict(ReadOnlySpan<byte> text, out long value)
        {
            value = 0;
            if (text.Length == 1 && text[0] == (byte)'0')
            {
                return true;
            }

            bool negative = text.Length > 0 && text[0] == (byte)'-';
            ReadOnlySpan<byte> digits = negative ? text.Slice(1) : text;
            if (digits.Length == 0 || digits[0] < (byte)'1' || digits[0] > (byte)'9')
            {
                return false;
            }

            ulong magnitude = 0;
            foreach (byte d in digits)
            {
                if (d < (byte)'0' || d > (byte)'9' || magnitude > (ulong.MaxValue - 9) / 10)
                {
                    return false;
                }

                magnitude = (magnitude * 10) + (ulong)(d - '0');
            }

            if (magnitude > (negative ? (ulong)long.MaxValue + 1 : long.MaxValue))
            {
                return false;
            }

            value = negative ? (long)(0 - magnitude) : (long)magnitude;
            return true;
        }

        private static bool Incomplete(ReadOnlySequence<byte> buffer, RespLimits limits)
        {
            if (buffer.Length > limits.MaxFrameLength)
            {
                throw new RespProtocolException("RESP frame exceeds the limit of " + limits.MaxFrameLength.ToString(CultureInfo.InvariantCulture) + " bytes", -1);
            }

            return false;
        }

        private static string Shown(byte b)
            => b >= 0x20 && b < 0x7f ? "'" + (char)b + "'" : "'\\x" + b.ToString("x2", CultureInfo.InvariantCulture) + "'";
    }
}
