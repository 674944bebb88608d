namespace RedisCluster.Engine.Client.PubSub
{
    /// <summary>What a frame on a subscribed connection is.</summary>
    internal enum PubSubFrameType
    {
        /// <summary>message, pmessage or smessage.</summary>
        Message,

        /// <summary>A subscribe, psubscribe or ssubscribe confirmation.</summary>
        Subscribed,

        /// <summary>An unsubscribe, punsubscribe or sunsubscribe confirmation, or one the server sent of itself.</summary>
        Unsubscribed,

        /// <summary>The reply to PING.</summary>
        Pong,

        /// <summary>An error reply to a command sent on the connection (MOVED, NOPERM...).</summary>
        Error,

        /// <summary>Anything else (a client-tracking push, say): not for the subscriber.</summary>
        Other,
    }
}
