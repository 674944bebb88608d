using System.Collections.Generic;
using System.Text;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Routing
{
    /// <summary>Adds to a CROSSSLOT error which slot and node each key maps to, and how hash tags fix it.</summary>
    internal static class CrossSlotExplainer
    {
        public static RespValue Explain(RespValue reply, RedisCommand command, IReadOnlyList<int> keyIndices, SlotMap slots)
        {
            if (!reply.IsError || reply.ErrorPrefix != "CROSSSLOT")
            {
                return reply;
            }

            var text = new StringBuilder(reply.GetString());
            text.Append(". ").Append(command.Name).Append(" needs all its keys in one slot, but: ");
            for (int i = 0; i < keyIndices.Count && i < 8; i++)
            {
                string key = command.ArgumentText(keyIndices[i]);
                int slot = HashSlot.GetSlot(command.Arguments[keyIndices[i]].Span);
                text.Append(i == 0 ? string.Empty : ", ").Append('\'').Append(key).Append("' is in slot ").Append(slot);
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

            text.Append(". Give the keys a common hash tag so they share a slot: only the part between { and } is hashed, ")
                .Append("e.g. '{order:42}:items' and '{order:42}:total'.");
            return RespValue.Error(text.ToString());
        }
    }
}
