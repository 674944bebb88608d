using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Client.PubSub
{
    /// <summary>
    /// One frame read on a subscribed connection, in either protocol: RESP2 sends arrays, RESP3 push frames
    /// with the same items ([type, channel, payload], [pmessage, pattern, channel, payload], [subscribe, name, count]).
    /// </summary>
    internal sealed class PubSubFrame
    {
        private PubSubFrame(PubSubFrameType type, SubscriptionKind kind, string? name, string? pattern, byte[]? payload)
        {
            Type = type;
            Kind = kind;
            Name = name;
            Pattern = pattern;
            Payload = payload;
        }

        public PubSubFrameType Type { get; }

        public SubscriptionKind Kind { get; }

        /// <summary>The channel of a message; the channel or pattern of a confirmation; the text of an error.</summary>
        public string? Name { get; }

        /// <summary>The pattern that matched, for a pmessage.</summary>
        public string? Pattern { get; }

        public byte[]? Payload { get; }

        public static PubSubFrame Parse(RespValue value)
        {
            if (value.IsError)
            {
                return new PubSubFrame(PubSubFrameType.Error, SubscriptionKind.Channel, value.GetString() ?? "ERR", null, null);
            }

            if (value.Type == RespType.SimpleString && value.GetString() == "PONG")
            {
                return new PubSubFrame(PubSubFrameType.Pong, SubscriptionKind.Channel, null, null, null);
            }

            if ((value.Type != RespType.Array && value.Type != RespType.Push) || value.Items.Count < 2)
            {
                return Other;
            }

            var items = value.Items;
            string? type = items[0].GetString();
            switch (type)
            {
                case "message" when items.Count == 3:
                    return Message(SubscriptionKind.Channel, items[1], null, items[2]);
                case "smessage" when items.Count == 3:
                    return Message(SubscriptionKind.ShardChannel, items[1], null, items[2]);
                case "pmessage" when items.Count == 4:
                    return Message(SubscriptionKind.Pattern, items[2], items[1].GetString(), items[3]);
                case "pong":
                    return new PubSubFrame(PubSubFrameType.Pong, SubscriptionKind.Channel, null, null, null);
            }

            if (type != null && items.Count == 3 && SubscriptionCommands.TryParseConfirmation(type, out SubscriptionKind kind, out bool subscribed))
            {
                return new PubSubFrame(subscribed ? PubSubFrameType.Subscribed : PubSubFrameType.Unsubscribed, kind, items[1].GetString(), null, null);
            }

            return Other;
        }

        private static PubSubFrame Other { get; } = new PubSubFrame(PubSubFrameType.Other, SubscriptionKind.Channel, null, null, null);

        private static PubSubFrame Message(SubscriptionKind kind, RespValue channel, string? pattern, RespValue payload)
            => new PubSubFrame(PubSubFrameType.Message, kind, channel.GetString() ?? string.Empty, pattern, payload.GetBytes() ?? new byte[0]);
    }
}
