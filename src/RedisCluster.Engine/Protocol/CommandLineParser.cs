using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace RedisCluster.Engine.Protocol
{
    /// <summary>
    /// Splits a typed command line into arguments with the same rules as redis-cli and a server's inline
    /// commands (<see cref="InlineArguments"/>), so that a line pasted from Redis documentation or a redis-cli
    /// session means the same thing here.
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

            byte[] bytes = Encoding.UTF8.GetBytes(line);
            if (InlineArguments.TrySplit(bytes, out List<byte[]> arguments, out InlineQuoteFault? fault))
            {
                return arguments;
            }

            // Columns count characters, as the user sees the line, not the bytes the splitter saw.
            int column = Encoding.UTF8.GetCharCount(bytes, 0, fault!.Index) + 1;
            string quote = fault.Quote == '"' ? "double" : "single";
            string at = column.ToString(CultureInfo.InvariantCulture);
            throw fault.Kind == InlineQuoteFaultKind.NeverClosed
                ? new CommandLineParseException("Unbalanced quotes: the " + quote + " quote at column " + at + " is never closed", column)
                : new CommandLineParseException("The closing " + quote + " quote at column " + at + " must be followed by a space or the end of the line", column);
        }
    }
}
