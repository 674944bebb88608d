namespace RedisCluster.Engine.Client.PubSub
{
    /// <summary>How a subscription matches messages, and so which commands make and end it.</summary>
    public enum SubscriptionKind
    {
        /// <summary>SUBSCRIBE: one channel by name; on a cluster, published to every node.</summary>
        Channel,

        /// <summary>PSUBSCRIBE: every channel whose name matches a glob-style pattern.</summary>
        Pattern,

        /// <summary>SSUBSCRIBE (Redis 7.0+): a sharded channel, served by the primary of the channel's hash slot.</summary>
        ShardChannel,
    }
}
