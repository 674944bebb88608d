using System.Collections.Generic;
using System.Text;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Routing
{
    /// <summary>Adds to a CROSSSLOT error which slot and node each key maps to, and how hash tags fix it.</summary>
    internal static class CrossSlotExplainer
    {
        public static RespValue Explain(RespValue reply, RedisCommand command, IReadOnlyList<int> keyIndices, SlotMap slots)
        {
            if (ErrorReplyClassifier.Classify(reply) != ErrorReplyKind.CrossSlot)
            {
                return reply;
            }

            var text = new StringBuilder(reply.GetString());
            text.Append(". ").Append(command.Name).Append(" needs all its keys in one slot, but: ");
            AppendKeys(text, command, keyIndices, slots);
            return RespValue.Error(text.ToString());
        }

        /// <summary>
        /// The error for a command that must stay in the slot a WATCH holds (a transaction behind the smart
        /// tunnel runs on the one connection that holds the WATCH, so it cannot reach another slot).
        /// </summary>
        public static RespValue ExplainWatched(RedisCommand command, IReadOnlyList<int> keyIndices, int watchedSlot, SlotMap slots)
            => ExplainHeldSlot(command, keyIndices, watchedSlot, "the watched keys", "WATCH holds slot ", slots);

        /// <summary>
        /// The error for a command whose keys are not in the slot its transaction is bound to
        /// (<paramref name="holder"/>: what bound it, e.g. "the watched keys"; <paramref name="holds"/>: the sentence start before the slot).
        /// </summary>
        public static RespValue ExplainHeldSlot(RedisCommand command, IReadOnlyList<int> keyIndices, int heldSlot, string holder, string holds, SlotMap slots)
        {
            var text = new StringBuilder("CROSSSLOT Keys in request don't hash to the slot of ").Append(holder).Append(". ");
            text.Append(holds).Append(heldSlot);
            RedisEndpoint? owner = slots[heldSlot];
            if (owner != null)
            {
                text.Append(" on ").Append(owner);
            }

            text.Append(" and ").Append(command.Name).Append(" must use keys of that slot, but: ");
            AppendKeys(text, command, keyIndices, slots);
            return RespValue.Error(text.ToString());
        }

        private static void AppendKeys(StringBuilder text, RedisCommand command, IReadOnlyList<int> keyIndices, SlotMap slots)
        {
            bool secretKeys = false;
            foreach (int index in keyIndices)
            {
                secretKeys |= command.Secrets.IsSecret(index);
            }

            for (int i = 0; i < keyIndices.Count && i < 8; i++)
            {
                text.Append(i == 0 ? string.Empty : ", ").Append('\'').Append(command.DisplayArgument(keyIndices[i])).Append('\'');
                if (command.Secrets.IsSecret(keyIndices[i]))
                {
                    // Even the slot of a secret says something about it.
                    text.Append(" is a hidden argument");
                    continue;
                }

                int slot = HashSlot.GetSlot(command.Arguments[keyIndices[i]].Span);
                text.Append(" is in slot ").Append(slot);
                var owner = slots[slot];
                if (owner != null)
                {
                    text.Append(" on ").Append(owner);
                }
            }

            if (keyIndices.Count > 8)
            {
                text.Append(", and ").Append(keyIndices.Count - 8).Append(" more");
            }

            if (secretKeys && command.Name == "MIGRATE")
            {
                text.Append(". Redis reads every argument after KEYS as a key name: put AUTH or AUTH2 before KEYS");
            }

            text.Append(". Give the keys a common hash tag so they share a slot: only the part between { and } is hashed, ")
                .Append("e.g. '{order:42}:items' and '{order:42}:total'.");
        }
    }
}
