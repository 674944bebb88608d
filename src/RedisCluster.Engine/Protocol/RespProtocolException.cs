using System;

namespace RedisCluster.Engine.Protocol
{
    /// <summary>The byte stream is not valid RESP, or it exceeds a configured limit.</summary>
    public sealed class RespProtocolException : Exception
    {
        public RespProtocolException(string message, long offset)
            : base(offset >= 0 ? message + " (at byte " + offset + " of the frame)" : message)
        {
            Offset = offset;
        }

        /// <summary>Position of the offending byte, counted from the start of the frame; -1 when unknown.</summary>
        public long Offset { get; }
    }
}
