namespace RedisCluster.Engine.Protocol
{
    /// <summary>What one step of a <see cref="RespStreamScanner"/> passed over.</summary>
    internal enum RespScanStep
    {
        /// <summary>
        /// The input ended before the next piece was whole. What the reader passed is whole (payload bytes stream
        /// through as they come); the rest must be offered again with more bytes after it.
        /// </summary>
        NeedMore,

        /// <summary>One element's header (an aggregate's count, a bulk's length: its payload follows) or a whole line value.</summary>
        Element,

        /// <summary>The payload of the last bulk element and the CRLF after it.</summary>
        PayloadEnd,
    }
}
