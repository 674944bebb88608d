namespace RedisCluster.Engine.Protocol
{
    /// <summary>One element a <see cref="RespStreamScanner"/> read: its type and header number, and where it is in the input.</summary>
    internal readonly struct RespElement
    {
        public RespElement(RespType type, long number, long start, int lineLength, bool startsFrame)
        {
            Type = type;
            Number = number;
            Start = start;
            LineLength = lineLength;
            StartsFrame = startsFrame;
        }

        public RespType Type { get; }

        /// <summary>An aggregate's count or a bulk's length as the header says it (-1 for RESP2's nulls); 0 for a line value.</summary>
        public long Number { get; }

        /// <summary>Offset of the type marker in the reader's input.</summary>
        public long Start { get; }

        /// <summary>For a line value (simple string, error, number...): the bytes between the marker and the CRLF.</summary>
        public int LineLength { get; }

        /// <summary>True for the first element of a frame (a reply, a push or a command).</summary>
        public bool StartsFrame { get; }

        /// <summary>RESP2's null bulk string or null array.</summary>
        public bool IsNull => Number < 0;
    }
}
