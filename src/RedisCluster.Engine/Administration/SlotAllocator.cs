using System.Collections.Generic;
using RedisCluster.Engine.Cluster;

namespace RedisCluster.Engine.Administration
{
    /// <summary>Splits the 16384 slots among primaries exactly as redis-cli --cluster create does.</summary>
    public static class SlotAllocator
    {
        public static IReadOnlyList<SlotRange> Split(int primaries)
        {
            var ranges = new List<SlotRange>(primaries);

            // redis-cli keeps a float cursor and rounds each range's end (lround), so 3 primaries get
            // 0-5460, 5461-10922 and 10923-16383; float, not double, gives its exact boundaries.
            float perPrimary = (float)SlotRange.SlotCount / primaries;
            float cursor = 0f;
            int first = 0;
            for (int i = 0; i < primaries; i++)
            {
                float end = cursor + perPrimary - 1;
                int last = (int)System.Math.Round(end, System.MidpointRounding.AwayFromZero);
                if (last > SlotRange.SlotCount - 1 || i == primaries - 1)
                {
                    last = SlotRange.SlotCount - 1;
                }

                if (last < first)
                {
                    last = first;
                }

                ranges.Add(new SlotRange(first, last));
                first = last + 1;
                cursor += perPrimary;
            }

            return ranges;
        }
    }
}
