namespace RedisCluster.PowerShell.Output
{
    /// <summary>What Send-RedisMessage reports for each message: how many subscribers the server delivered it to.</summary>
    public sealed class RedisPublishResult
    {
        public RedisPublishResult(string channel, long receivers, string node, bool sharded)
        {
            Channel = channel;
            Receivers = receivers;
            Node = node;
            Sharded = sharded;
        }

        public string Channel { get; }

        /// <summary>
        /// The reply to PUBLISH or SPUBLISH. On a cluster it counts only the subscribers connected to the node that
        /// took the message; the other nodes deliver it too (over the cluster bus) without being counted.
        /// </summary>
        public long Receivers { get; }

        /// <summary>The node that took the message.</summary>
        public string Node { get; }

        /// <summary>True when sent with SPUBLISH (-Sharded).</summary>
        public bool Sharded { get; }
    }
}
