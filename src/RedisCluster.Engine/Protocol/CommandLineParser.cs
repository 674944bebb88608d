using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace RedisCluster.Engine.Protocol
{
    /// <summary>
    /// Splits a typed command line into arguments with the same rules as redis-cli (Redis's sdssplitargs),
    /// so that a line pasted from Redis documentation or a redis-cli session means the same thing here.
    /// </summary>
    public static class CommandLineParser
    {
        /// <summary>
        /// Splits <paramref name="line"/> into raw argument bytes. Unquoted text and text inside quotes is
        /// UTF-8 encoded; "\xHH" inside double quotes yields the single byte HH, so binary values can be typed.
        /// </summary>
        /// <exception cref="CommandLineParseException">A quote is never closed, or a closing quote is followed by something other than whitespace.</exception>
        public static IReadOnlyList<byte[]> Parse(string line)
        {
            if (line == null)
            {
                throw new ArgumentNullException(nameof(line));
            }

            var arguments = new List<byte[]>();
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
                    return arguments;
                }

                current.SetLength(0);
                p = ReadArgument(line, p, current);
                arguments.Add(current.ToArray());
            }
        }

        /// <summary>Reads one argument starting at <paramref name="p"/>; returns the index just past it.</summary>
        private static int ReadArgument(string line, int p, MemoryStream current)
        {
            char quote = '\0';
            int quoteColumn = 0;
            while (true)
            {
                bool atEnd = p >= line.Length;
                char c = atEnd ? '\0' : line[p];

                if (quote == '\0')
                {
                    // Unlike the blank-skipping between arguments (C isspace), only these end an unquoted
                    // argument in redis-cli: a vertical tab or form feed stays part of it.
                    if (atEnd || c == ' ' || c == '\n' || c == '\r' || c == '\t')
                    {
                        return p;
                    }

                    // A quote may open in the middle of an argument: foo"bar" is foobar.
                    if (c == '"' || c == '\'')
                    {
                        quote = c;
                        quoteColumn = p + 1;
                        p++;
                    }
                    else
                    {
                        p = AppendChar(line, p, current);
                    }

                    continue;
                }

                if (atEnd)
                {
                    throw new CommandLineParseException(
                        "Unbalanced quotes: the " + QuoteName(quote) + " quote at column " + Column(quoteColumn) + " is never closed",
                        quoteColumn);
                }

                if (c == quote)
                {
                    if (p + 1 < line.Length && !IsCSpace(line[p + 1]))
                    {
                        throw new CommandLineParseException(
                            "The closing " + QuoteName(quote) + " quote at column " + Column(p + 1) + " must be followed by a space or the end of the line",
                            p + 1);
                    }

                    return p + 1;
                }

                if (c == '\\' && p + 1 < line.Length)
                {
                    if (quote == '\'')
                    {
                        // Single quotes know one escape only; any other backslash is literal.
                        if (line[p + 1] == '\'')
                        {
                            current.WriteByte((byte)'\'');
                            p += 2;
                        }
                        else
                        {
                            current.WriteByte((byte)'\\');
                            p++;
                        }

                        continue;
                    }

                    if (line[p + 1] == 'x' && p + 3 < line.Length && IsHex(line[p + 2]) && IsHex(line[p + 3]))
                    {
                        current.WriteByte((byte)((HexValue(line[p + 2]) << 4) | HexValue(line[p + 3])));
                        p += 4;
                        continue;
                    }

                    byte? escaped = Escape(line[p + 1]);
                    if (escaped.HasValue)
                    {
                        current.WriteByte(escaped.Value);
                        p += 2;
                    }
                    else
                    {
                        // An unknown escape stands for the character itself (\" \\ \z ...).
                        p = AppendChar(line, p + 1, current);
                    }

                    continue;
                }

                p = AppendChar(line, p, current);
            }
        }

        private static byte? Escape(char c)
        {
            switch (c)
            {
                case 'n': return (byte)'\n';
                case 'r': return (byte)'\r';
                case 't': return (byte)'\t';
                case 'b': return (byte)'\b';
                case 'a': return 7;
                default: return null;
            }
        }

        /// <summary>Appends the UTF-8 encoding of the character at <paramref name="p"/> (a whole surrogate pair if it starts one).</summary>
        private static int AppendChar(string line, int p, MemoryStream current)
        {
            int count = char.IsHighSurrogate(line[p]) && p + 1 < line.Length && char.IsLowSurrogate(line[p + 1]) ? 2 : 1;
            if (count == 1 && line[p] < 0x80)
            {
                current.WriteByte((byte)line[p]);
            }
            else
            {
                byte[] encoded = Encoding.UTF8.GetBytes(line.ToCharArray(p, count));
                current.Write(encoded, 0, encoded.Length);
            }

            return p + count;
        }

        /// <summary>C's isspace in the "C" locale, which is what redis-cli uses.</summary>
        private static bool IsCSpace(char c) => c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';

        private static bool IsHex(char c) => (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');

        private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

        private static string QuoteName(char quote) => quote == '"' ? "double" : "single";

        private static string Column(int column) => column.ToString(CultureInfo.InvariantCulture);
    }
}
