using System.Collections.Generic;
using RedisCluster.Engine.Commands;

namespace RedisCluster.Engine.Routing
{
    /// <summary>
    /// One slot's share of a multi-key command split by slot (MGET, MSET, DEL...): the command for that
    /// slot's keys and the positions of those keys among the original command's keys. A struct: the smart tunnel
    /// splits every cross-slot MGET it relays, and ten random keys are ten of these.
    /// </summary>
    internal readonly struct SlotSplit
    {
        public SlotSplit(RedisCommand command, int slot, IReadOnlyList<int> ordinals)
        {
            Command = command;
            Slot = slot;
            Ordinals = ordinals;
        }

        public RedisCommand Command { get; }

        public int Slot { get; }

        /// <summary>For each key of <see cref="Command"/>, its position among the original command's keys.</summary>
        public IReadOnlyList<int> Ordinals { get; }
    }
}
