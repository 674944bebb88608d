using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Routing
{
    /// <summary>
    /// Combines the replies of a fanned-out or split command into the one reply the caller expects,
    /// following the response policy the server publishes in COMMAND tips.
    /// </summary>
    internal static class ReplyAggregator
    {
        public static RespValue Combine(ResponsePolicy policy, IReadOnlyList<RespValue> replies, IReadOnlyList<string> nodeNames)
        {
            if (replies.Count == 1)
            {
                return replies[0];
            }

            switch (policy)
            {
                case ResponsePolicy.OneSucceeded:
                    return replies.FirstOrDefault(r => !r.IsError) ?? replies[0];
                case ResponsePolicy.AllSucceeded:
                    return FirstError(replies) ?? replies[0];
                case ResponsePolicy.AggSum:
                    return FirstError(replies) ?? Numeric(replies, (a, b) => a + b);
                case ResponsePolicy.AggMin:
                    return FirstError(replies) ?? Numeric(replies, Math.Min);
                case ResponsePolicy.AggMax:
                    return FirstError(replies) ?? Numeric(replies, Math.Max);
                case ResponsePolicy.AggLogicalAnd:
                    return FirstError(replies) ?? Numeric(replies, (a, b) => a != 0 && b != 0 ? 1 : 0);
                case ResponsePolicy.AggLogicalOr:
                    return FirstError(replies) ?? Numeric(replies, (a, b) => a != 0 || b != 0 ? 1 : 0);
                case ResponsePolicy.Special:
                    return FirstError(replies) ?? PerNode(replies, nodeNames);
                default:
                    return FirstError(replies) ?? Concatenate(replies);
            }
        }

        /// <summary>Puts the per-slot replies of a split MGET-style command back in the caller's key order.</summary>
        public static RespValue ByKeyOrder(IReadOnlyList<RespValue> partReplies, IReadOnlyList<IReadOnlyList<int>> ordinals, int total)
        {
            RespValue? error = FirstError(partReplies);
            if (error != null)
            {
                return error;
            }

            var items = new RespValue[total];
            for (int p = 0; p < partReplies.Count; p++)
            {
                IReadOnlyList<RespValue> got = partReplies[p].Items;
                for (int i = 0; i < ordinals[p].Count && i < got.Count; i++)
                {
                    items[ordinals[p][i]] = got[i];
                }
            }

            for (int i = 0; i < items.Length; i++)
            {
                items[i] ??= RespValue.NullBulkString;
            }

            return RespValue.Array(items);
        }

        private static RespValue? FirstError(IReadOnlyList<RespValue> replies) => replies.FirstOrDefault(r => r.IsError);

        /// <summary>Integers combine as integers; arrays of integers (SCRIPT EXISTS) element by element.</summary>
        private static RespValue Numeric(IReadOnlyList<RespValue> replies, Func<long, long, long> combine)
        {
            if (replies[0].IsAggregate)
            {
                var combined = replies[0].Items.Select(v => v.Integer).ToArray();
                foreach (RespValue reply in replies.Skip(1))
                {
                    for (int i = 0; i < combined.Length && i < reply.Items.Count; i++)
                    {
                        combined[i] = combine(combined[i], reply.Items[i].Integer);
                    }
                }

                return RespValue.Array(combined.Select(RespValue.FromInteger).ToArray());
            }

            long total = replies[0].Integer;
            foreach (RespValue reply in replies.Skip(1))
            {
                total = combine(total, reply.Integer);
            }

            return RespValue.FromInteger(total);
        }

        private static RespValue Concatenate(IReadOnlyList<RespValue> replies)
        {
            if (replies.All(r => r.IsAggregate && r.Type != RespType.Map))
            {
                return RespValue.Array(replies.SelectMany(r => r.Items).ToArray());
            }

            return replies[0];
        }

        /// <summary>
        /// No general rule exists for "special" replies; text (INFO, CLIENT LIST...) is joined under a
        /// header naming each node, and anything else becomes a map of node to reply.
        /// </summary>
        private static RespValue PerNode(IReadOnlyList<RespValue> replies, IReadOnlyList<string> nodeNames)
        {
            if (replies.All(r => r.IsStringLike))
            {
                var text = new StringBuilder();
                for (int i = 0; i < replies.Count; i++)
                {
                    text.Append("# Node ").Append(nodeNames[i]).Append("\r\n").Append(replies[i].GetString()).Append("\r\n");
                }

                return RespValue.BulkString(text.ToString());
            }

            var pairs = new List<KeyValuePair<RespValue, RespValue>>();
            for (int i = 0; i < replies.Count; i++)
            {
                pairs.Add(new KeyValuePair<RespValue, RespValue>(RespValue.BulkString(nodeNames[i]), replies[i]));
            }

            return RespValue.Map(pairs);
        }
    }
}
