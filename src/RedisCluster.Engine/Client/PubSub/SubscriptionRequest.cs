using System.Collections.Generic;
using RedisCluster.Engine.Commands;

namespace RedisCluster.Engine.Client.PubSub
{
    /// <summary>
    /// A (un)subscribe command sent on a subscribed connection, waiting for its outcome: one confirmation per
    /// name, or one error for the whole command. Outcomes arrive in the order the commands were sent.
    /// </summary>
    internal sealed class SubscriptionRequest
    {
        private SubscriptionRequest()
        {
            Names = new string[0];
            Command = RedisCommand.Create("PING");
            IsPing = true;
        }

        public SubscriptionRequest(SubscriptionKind kind, bool subscribe, IReadOnlyList<string> names)
        {
            Kind = kind;
            Subscribe = subscribe;
            Names = names;
            Remaining = names.Count;
            Command = SubscriptionCommands.Create(
                subscribe ? SubscriptionCommands.SubscribeName(kind) : SubscriptionCommands.UnsubscribeName(kind), names);
        }

        /// <summary>A PING that checks the connection is alive; its outcome is one PONG.</summary>
        public static SubscriptionRequest Ping() => new SubscriptionRequest();

        public bool IsPing { get; }

        public SubscriptionKind Kind { get; }

        /// <summary>True for (P|S)SUBSCRIBE, false for (P|S)UNSUBSCRIBE.</summary>
        public bool Subscribe { get; }

        public IReadOnlyList<string> Names { get; }

        public RedisCommand Command { get; }

        /// <summary>Confirmations still to come.</summary>
        public int Remaining { get; set; }

        public bool Confirms(SubscriptionKind kind, bool subscribe) => !IsPing && Kind == kind && Subscribe == subscribe;
    }
}
