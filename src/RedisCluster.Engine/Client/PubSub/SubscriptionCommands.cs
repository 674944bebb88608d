using System.Collections.Generic;
using RedisCluster.Engine.Commands;

namespace RedisCluster.Engine.Client.PubSub
{
    /// <summary>The commands of each kind of subscription, and the reply types the server answers them with.</summary>
    internal static class SubscriptionCommands
    {
        public static string SubscribeName(SubscriptionKind kind)
            => kind == SubscriptionKind.Pattern ? "PSUBSCRIBE" : kind == SubscriptionKind.ShardChannel ? "SSUBSCRIBE" : "SUBSCRIBE";

        public static string UnsubscribeName(SubscriptionKind kind)
            => kind == SubscriptionKind.Pattern ? "PUNSUBSCRIBE" : kind == SubscriptionKind.ShardChannel ? "SUNSUBSCRIBE" : "UNSUBSCRIBE";

        public static RedisCommand Create(string name, IReadOnlyCollection<string> channels)
        {
            var arguments = new List<string>(channels.Count + 1) { name };
            arguments.AddRange(channels);
            return RedisCommand.Create(arguments.ToArray());
        }

        /// <summary>The kind a confirmation type ("subscribe", "punsubscribe", ...) belongs to; false for other types.</summary>
        public static bool TryParseConfirmation(string type, out SubscriptionKind kind, out bool subscribed)
        {
            subscribed = true;
            kind = SubscriptionKind.Channel;
            switch (type)
            {
                case "subscribe":
                    return true;
                case "psubscribe":
                    kind = SubscriptionKind.Pattern;
                    return true;
                case "ssubscribe":
                    kind = SubscriptionKind.ShardChannel;
                    return true;
                case "unsubscribe":
                    subscribed = false;
                    return true;
                case "punsubscribe":
                    subscribed = false;
                    kind = SubscriptionKind.Pattern;
                    return true;
                case "sunsubscribe":
                    subscribed = false;
                    kind = SubscriptionKind.ShardChannel;
                    return true;
                default:
                    return false;
            }
        }
    }
}
