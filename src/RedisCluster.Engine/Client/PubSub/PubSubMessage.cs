using System;
using System.Text;
using RedisCluster.Engine.Connections;

namespace RedisCluster.Engine.Client.PubSub
{
    /// <summary>One message a subscription received, as the server delivered it.</summary>
    public sealed class PubSubMessage
    {
        public PubSubMessage(SubscriptionKind kind, string channel, string? pattern, byte[] payload, RedisEndpoint node, DateTimeOffset received)
        {
            Kind = kind;
            Channel = channel;
            Pattern = pattern;
            Payload = payload;
            Node = node;
            Received = received;
        }

        /// <summary>The kind of subscription that delivered the message.</summary>
        public SubscriptionKind Kind { get; }

        public string Channel { get; }

        /// <summary>The pattern that matched the channel, for a pattern subscription; null otherwise.</summary>
        public string? Pattern { get; }

        public byte[] Payload { get; }

        /// <summary>The server the message came from.</summary>
        public RedisEndpoint Node { get; }

        /// <summary>When the message was read from the connection (local clock).</summary>
        public DateTimeOffset Received { get; }

        /// <summary>The payload decoded as UTF-8.</summary>
        public string Text => Encoding.UTF8.GetString(Payload);

        public override string ToString() => Channel + ": " + Text;
    }
}
