using System;
using RedisCluster.Engine.Client.PubSub;

namespace RedisCluster.PowerShell.Output
{
    /// <summary>
    /// A message Receive-RedisMessage received. Its Channel and Message properties bind to Send-RedisMessage by
    /// name, so messages can be relayed.
    /// </summary>
    public sealed class RedisMessage
    {
        public RedisMessage(string channel, string? pattern, object message, SubscriptionKind kind, string node, DateTime received)
        {
            Channel = channel;
            Pattern = pattern;
            Message = message;
            Kind = kind;
            Node = node;
            Received = received;
        }

        public string Channel { get; }

        /// <summary>The pattern that matched the channel (-Pattern); empty for the other kinds.</summary>
        public string? Pattern { get; }

        /// <summary>The payload: a string (UTF-8), or a byte array with -AsByteArray.</summary>
        public object Message { get; }

        /// <summary>The kind of subscription that delivered it: Channel, Pattern or ShardChannel.</summary>
        public SubscriptionKind Kind { get; }

        /// <summary>The server that delivered the message (not named Endpoint: piped on, it would bind to -Endpoint).</summary>
        public string Node { get; }

        /// <summary>When the message was read from the connection (local time).</summary>
        public DateTime Received { get; }

        public override string ToString() => Message as string ?? Channel;
    }
}
