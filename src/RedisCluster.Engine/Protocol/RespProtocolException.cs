using System;

namespace RedisCluster.Engine.Protocol
{
    /// <summary>The byte stream is not valid RESP, or it exceeds a configured limit.</summary>
    public sealed class RespProtocolException : Exception
    {
        public RespProtocolException(string message, long offset, string? redisReason = null)
            : base(offset >= 0 ? message + " (at byte " + offset + " of the frame)" : message)
        {
            Offset = offset;
            RedisReason = redisReason ?? message;
        }

        /// <summary>
        /// The fault in the words Redis itself uses after "Protocol error: " (for example "invalid bulk length"),
        /// without the offset: what a proxy answers a client, so that the client sees what the server would say.
        /// </summary>
        public string RedisReason { get; }

        /// <summary>Position of the offending byte, counted from the start of the frame; -1 when unknown.</summary>
        public long Offset { get; }
    }
}
