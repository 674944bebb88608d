using System.Collections.Generic;
using RedisCluster.Engine.Cluster;

namespace RedisCluster.Engine.Administration
{
    /// <summary>Slot range lists in one canonical form (sorted, adjacent ranges merged), so two views can be compared.</summary>
    public static class SlotRanges
    {
        public static IReadOnlyList<SlotRange> Normalize(IEnumerable<SlotRange> ranges)
        {
            var owned = new bool[SlotRange.SlotCount];
            foreach (SlotRange range in ranges)
            {
                for (int slot = range.Start; slot <= range.End; slot++)
                {
                    owned[slot] = true;
                }
            }

            return FromFlags(owned, true);
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
