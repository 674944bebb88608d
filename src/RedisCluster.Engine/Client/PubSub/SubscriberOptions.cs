using System;

namespace RedisCluster.Engine.Client.PubSub
{
    /// <summary>Limits and pacing of a <see cref="RedisSubscriber"/>.</summary>
    public sealed class SubscriberOptions
    {
        /// <summary>Messages received but not yet taken that are kept; more are dropped and counted.</summary>
        public int MaxQueuedMessages { get; set; } = 10000;

        /// <summary>Payload bytes received but not yet taken that are kept; more are dropped and counted.</summary>
        public long MaxQueuedBytes { get; set; } = 64L * 1024 * 1024;

        /// <summary>
        /// On a cluster, how often the subscriber checks that each shard channel is still subscribed at its slot's
        /// primary. Changes the servers announce (MOVED, a broken connection, an sunsubscribe) are acted on at once;
        /// this catches a change no server announced.
        /// </summary>
        public TimeSpan PlacementCheckInterval { get; set; } = TimeSpan.FromSeconds(2);

        /// <summary>
        /// A connection quiet for this long is sent PING; one that then stays silent this long again is closed and its
        /// subscriptions are made again. Checked at each placement check.
        /// </summary>
        public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);
    }
}
