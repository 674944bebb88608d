using System;

namespace RedisCluster.Engine.Client.PubSub
{
    /// <summary>What a subscribed connection reports to its owner, on the connection's reader thread.</summary>
    internal interface ISubscriberEvents
    {
        void OnMessage(SubscriberConnection connection, PubSubFrame frame);

        void OnSubscribed(SubscriberConnection connection, SubscriptionKind kind, string name);

        /// <summary><paramref name="requested"/> is false when the server ended the subscription of itself (a shard channel's slot moved).</summary>
        void OnUnsubscribed(SubscriberConnection connection, SubscriptionKind kind, string name, bool requested);

        void OnRejected(SubscriberConnection connection, SubscriptionRequest request, string error);

        /// <summary>The connection broke; not raised for a connection the owner closed.</summary>
        void OnBroken(SubscriberConnection connection, Exception reason);
    }
}
