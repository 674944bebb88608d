using System;
using System.Buffers;

namespace RedisCluster.Engine.Connections
{
    /// <summary>
    /// Receives the replies of queued sends as the server's bytes, unparsed, so a relay can pass them on
    /// in the protocol the connection speaks without building values for them.
    /// </summary>
    public interface IRawReplySink
    {
        /// <summary>One whole reply frame for the command tagged <paramref name="tag"/>; valid only during the call. Called on the connection's reader.</summary>
        void OnReply(int tag, ReadOnlySequence<byte> reply);

        /// <summary>The connection broke before the reply for <paramref name="tag"/> came; whether the command ran is unknown.</summary>
        void OnFailure(int tag, Exception error);
    }
}
