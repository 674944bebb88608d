using System;
using System.Collections.Generic;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Routing
{
    /// <summary>How one user command is carried out: its wire parts, and how their replies combine into one.</summary>
    internal sealed class CommandPlan
    {
        private readonly Func<IReadOnlyList<RespValue>, RespValue> _combine;

        public CommandPlan(RedisCommand command, IReadOnlyList<RoutedPart> parts, Func<IReadOnlyList<RespValue>, RespValue>? combine = null, int? slot = null)
        {
            Command = command;
            Parts = parts;
            _combine = combine ?? (replies => replies[0]);
            Slot = slot;
        }

        public RedisCommand Command { get; }

        public IReadOnlyList<RoutedPart> Parts { get; }

        /// <summary>The one slot of a single-slot command; null for keyless, split or fanned-out ones.</summary>
        public int? Slot { get; }

        /// <summary>Rewrites the combined reply (for example to explain a CROSSSLOT error).</summary>
        public Func<RespValue, RespValue>? Explain { get; set; }

        public RedisReply ToReply(RedisEndpoint fallbackEndpoint)
        {
            var replies = new RespValue[Parts.Count];
            TimeSpan elapsed = TimeSpan.Zero;
            for (int i = 0; i < replies.Length; i++)
            {
                replies[i] = Parts[i].Reply ?? RespValue.Error("ERR no reply was received");
                if (Parts[i].Elapsed > elapsed)
                {
                    elapsed = Parts[i].Elapsed;
                }
            }

            RespValue value = _combine(replies);
            if (Explain != null)
            {
                value = Explain(value);
            }

            RedisEndpoint endpoint = Parts.Count > 0 ? Parts[0].ServedBy ?? fallbackEndpoint : fallbackEndpoint;
            return new RedisReply(Command, value, endpoint, elapsed, Slot);
        }
    }
}
