using System;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Connections
{
    /// <summary>Receives the replies of raw sends (bulk loading) without a task per command.</summary>
    public interface IReplySink
    {
        /// <summary>Called on the connection's reader thread, once per reply, in order.</summary>
        void OnReply(RespValue reply);

        /// <summary>The connection broke; no further replies will come.</summary>
        void OnFailure(Exception error);
    }
}
