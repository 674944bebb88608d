namespace RedisCluster.Engine.Tunnel.Smart.Tracking
{
    /// <summary>Which of a primary's invalidation feeds a push came from.</summary>
    internal enum FeedKind
    {
        /// <summary>Tracks the keys the tunnel's default-mode clients read there.</summary>
        Default,

        /// <summary>Hears about every key (BCAST with no prefix), for the BCAST clients.</summary>
        Broadcast,
    }
}
