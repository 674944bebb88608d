using System.Collections.Generic;
using System.Linq;
using RedisCluster.Engine.Cluster;

namespace RedisCluster.Engine.Administration
{
    /// <summary>Slot range lists in one canonical form (sorted, adjacent ranges merged), so two views can be compared.</summary>
    public static class SlotRanges
    {
        public static IReadOnlyList<SlotRange> Normalize(IEnumerable<SlotRange> ranges) => FromFlags(ToFlags(ranges), true);

        /// <summary>Single slots as ranges in the canonical form.</summary>
        public static IReadOnlyList<SlotRange> Of(IEnumerable<int> slots) => Normalize(slots.Select(s => new SlotRange(s, s)));

        /// <summary>A flag per slot, set for the slots in <paramref name="ranges"/>.</summary>
        public static bool[] ToFlags(IEnumerable<SlotRange> ranges)
        {
            var flags = new bool[SlotRange.SlotCount];
            foreach (SlotRange range in ranges)
            {
                for (int slot = range.Start; slot <= range.End; slot++)
                {
                    flags[slot] = true;
                }
            }

            return flags;
        }

        /// <summary>The ranges of slots whose flag equals <paramref name="value"/>.</summary>
        public static IReadOnlyList<SlotRange> FromFlags(bool[] flags, bool value)
        {
            var result = new List<SlotRange>();
            int start = -1;
            for (int slot = 0; slot <= flags.Length; slot++)
            {
                bool inside = slot < flags.Length && flags[slot] == value;
                if (inside && start < 0)
                {
                    start = slot;
                }
                else if (!inside && start >= 0)
                {
                    result.Add(new SlotRange(start, slot - 1));
                    start = -1;
                }
            }

            return result;
        }

        public static string Format(IEnumerable<SlotRange> ranges)
        {
            string text = string.Join(",", ranges);
            return text.Length == 0 ? "no slots" : text;
        }
    }
}
