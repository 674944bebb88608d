using System;

namespace RedisCluster.Engine.Protocol
{
    /// <summary>A command line that redis-cli would also refuse: unbalanced quotes, or a closing quote glued to more text.</summary>
    public sealed class CommandLineParseException : FormatException
    {
        public CommandLineParseException(string message, int column)
            : base(message)
        {
            Column = column;
        }

        /// <summary>One-based character position of the offending quote in the line.</summary>
        public int Column { get; }
    }
}
