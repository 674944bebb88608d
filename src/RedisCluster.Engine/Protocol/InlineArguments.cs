using System;
using System.Collections.Generic;
using System.IO;

namespace RedisCluster.Engine.Protocol
{
    /// <summary>
    /// Splits one line into arguments with Redis's own rules (sds.c sdssplitargs), the rules of both an inline
    /// command a server reads and a line typed into redis-cli: blanks separate arguments; "double quotes"
    /// know \xHH, \n, \r, \t, \b, \a and take any other escaped byte as itself; 'single quotes' know only \';
    /// a closing quote must be followed by a blank or the end. Byte for byte, so any value can be written.
    /// </summary>
    public static class InlineArguments
    {
        /// <summary>
        /// Splits <paramref name="line"/>. False when a quote is never closed or a closing quote is followed by
        /// more text; <paramref name="fault"/> then says which and where. Like the C original, a NUL byte ends the line.
        /// </summary>
        public static bool TrySplit(ReadOnlySpan<byte> line, out List<byte[]> arguments, out InlineQuoteFault? fault)
        {
            arguments = new List<byte[]>();
            fault = null;
            int end = line.IndexOf((byte)0);
            if (end >= 0)
            {
                line = line.Slice(0, end);
            }

            var current = new MemoryStream();
            int p = 0;
            while (true)
            {
                while (p < line.Length && IsCSpace(line[p]))
                {
                    p++;
                }

                if (p >= line.Length)
                {
                    return true;
                }

                current.SetLength(0);
                p = ReadArgument(line, p, current, out fault);
                if (fault != null)
                {
                    return false;
                }

                arguments.Add(current.ToArray());
            }
        }

        /// <summary>Reads one argument starting at <paramref name="p"/>; returns the index just past it.</summary>
        private static int ReadArgument(ReadOnlySpan<byte> line, int p, MemoryStream current, out InlineQuoteFault? fault)
        {
            fault = null;
            byte quote = 0;
            int opened = 0;
            while (true)
            {
                bool atEnd = p >= line.Length;
                byte c = atEnd ? (byte)0 : line[p];
                if (quote == 0)
                {
                    // Only these end an unquoted argument (not the vertical tab or form feed that C's isspace skips between arguments).
                    if (atEnd || c == (byte)' ' || c == (byte)'\n' || c == (byte)'\r' || c == (byte)'\t')
                    {
                        return p;
                    }

                    // A quote may open in the middle of an argument: foo"bar" is foobar.
                    if (c == (byte)'"' || c == (byte)'\'')
                    {
                        quote = c;
                        opened = p;
                    }
                    else
                    {
                        current.WriteByte(c);
                    }

                    p++;
                    continue;
                }

                if (atEnd)
                {
                    fault = new InlineQuoteFault(InlineQuoteFaultKind.NeverClosed, (char)quote, opened);
                    return p;
                }

                if (c == quote)
                {
                    if (p + 1 < line.Length && !IsCSpace(line[p + 1]))
                    {
                        fault = new InlineQuoteFault(InlineQuoteFaultKind.TextAfterClosingQuote, (char)quote, p);
                        return p;
                    }

                    return p + 1;
                }

                if (c == (byte)'\\' && p + 1 < line.Length)
                {
                    byte next = line[p + 1];
                    if (quote == (byte)'\'')
                    {
                        // Single quotes know one escape only; any other backslash is literal.
                        current.WriteByte(next == (byte)'\'' ? next : c);
                        p += next == (byte)'\'' ? 2 : 1;
                        continue;
                    }

                    if (next == (byte)'x' && p + 3 < line.Length && IsHex(line[p + 2]) && IsHex(line[p + 3]))
                    {
                        current.WriteByte((byte)((HexValue(line[p + 2]) << 4) | HexValue(line[p + 3])));
                        p += 4;
                        continue;
                    }

                    current.WriteByte(Unescape(next));
                    p += 2;
                    continue;
                }

                current.WriteByte(c);
                p++;
            }
        }

        /// <summary>An escaped byte inside double quotes: the C escapes Redis knows, else the byte itself (\" \\ \z...).</summary>
        private static byte Unescape(byte c)
        {
            switch (c)
            {
                case (byte)'n': return (byte)'\n';
                case (byte)'r': return (byte)'\r';
                case (byte)'t': return (byte)'\t';
                case (byte)'b': return (byte)'\b';
                case (byte)'a': return 7;
                default: return c;
            }
        }

        /// <summary>C's isspace in the "C" locale.</summary>
        private static bool IsCSpace(byte c) => c == (byte)' ' || (c >= (byte)'\t' && c <= (byte)'\r');

        private static bool IsHex(byte c) => (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');

        private static int HexValue(byte c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
    }
}
