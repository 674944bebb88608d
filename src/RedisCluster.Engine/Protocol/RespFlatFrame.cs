using System;

namespace RedisCluster.Engine.Protocol
{
    /// <summary>
    /// The length of a whole, well-formed reply frame of the shapes most replies have (a line such as +OK or :1, a bulk
    /// string, or an array of those, such as MGET's) found in one span, in front of <see cref="RespStreamScanner"/>:
    /// the scanner's element-by-element walk across segments costs the smart tunnel's relayed replies more than the
    /// rest of their way. It accepts exactly what the scanner accepts for these shapes, under the same limits; anything
    /// else (another type, a frame cut off or spread over segments, bytes the scanner would refuse) is 0, and the
    /// scanner then walks it and says what is wrong.
    /// </summary>
    internal static class RespFlatFrame
    {
        // The scanner reads a header's number into a buffer this long and refuses a longer line.
        private const int MaxHeaderLine = 24;

        // Arrays of arrays (a WITHSCORES pair, an XRANGE entry) are common; deeper nesting is left to the scanner,
        // which walks any depth without recursing.
        private const int MaxDepth = 3;

        /// <summary>The byte length of the frame at the start of <paramref name="span"/>; 0 when the scanner must walk it.</summary>
        public static int Length(ReadOnlySpan<byte> span, RespLimits limits) => ElementLength(span, 0, limits, 1);

        /// <summary>A line type's, a bulk string's or an array's length at <paramref name="at"/>; 0 for anything else.</summary>
        private static int ElementLength(ReadOnlySpan<byte> span, int at, RespLimits limits, int depth)
        {
            if (at >= span.Length)
            {
                return 0;
            }

            switch (span[at])
            {
                case (byte)'*':
                    return depth <= MaxDepth ? ArrayLength(span, at, limits, depth) : 0;
                case (byte)'+':
                case (byte)'-':
                case (byte)':':
                case (byte)'_':
                case (byte)'#':
                case (byte)',':
                case (byte)'(':
                    int end = LineEnd(span, at + 1, limits.MaxLineLength);
                    return end > 0 ? end - at : 0;
                case (byte)'$':
                    int payload = HeaderEnd(span, at, out long size);
                    if (payload <= 0 || size < -1 || size > limits.MaxBulkLength)
                    {
                        return 0;
                    }

                    if (size == -1)
                    {
                        return payload - at;
                    }

                    long after = payload + size;
                    return after + 2 <= span.Length && span[(int)after] == (byte)'\r' && span[(int)after + 1] == (byte)'\n'
                        ? (int)(after + 2 - at)
                        : 0;
                default:
                    return 0;
            }
        }

        private static int ArrayLength(ReadOnlySpan<byte> span, int start, RespLimits limits, int depth)
        {
            int at = HeaderEnd(span, start, out long count);
            if (at <= 0 || count < -1 || count > limits.MaxAggregateLength)
            {
                return 0;
            }

            for (long e = 0; e < count; e++)
            {
                int length = ElementLength(span, at, limits, depth + 1);
                if (length <= 0)
                {
                    return 0;
                }

                at += length;
            }

            return at - start;
        }

        /// <summary>Where the header line of the aggregate or bulk at <paramref name="at"/> ends, with its number; 0 when the scanner must read it.</summary>
        private static int HeaderEnd(ReadOnlySpan<byte> span, int at, out long number)
        {
            number = 0;
            int end = LineEnd(span, at + 1, MaxHeaderLine);
            return end > 0 && CommandReader.TryParseStrict(span.Slice(at + 1, end - at - 3), out number) ? end : 0;
        }

        /// <summary>
        /// Where the line starting at <paramref name="from"/> ends, past its CRLF, when at most <paramref name="max"/>
        /// bytes come before a CR that a LF follows; 0 otherwise (a bare LF, a CR without LF, too long, not all here).
        /// </summary>
        private static int LineEnd(ReadOnlySpan<byte> span, int from, int max)
        {
            if (from >= span.Length)
            {
                return 0;
            }

            ReadOnlySpan<byte> window = span.Slice(from, (int)Math.Min(span.Length - from, (long)max + 1));
            int stop = window.IndexOfAny((byte)'\r', (byte)'\n');
            if (stop < 0 || window[stop] != (byte)'\r' || stop > max)
            {
                return 0;
            }

            int lf = from + stop + 1;
            return lf < span.Length && span[lf] == (byte)'\n' ? lf + 1 : 0;
        }
    }
}
