using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using RedisCluster.Engine.Cluster;

namespace RedisCluster.Engine.Administration
{
    /// <summary>
    /// Slots as people write them ("100", "100-200", "5,7,9-12"), checked before anything changes: a slot
    /// out of range or one given twice (overlapping ranges) is refused with the overlap named.
    /// </summary>
    public static class SlotList
    {
        /// <summary>Parses every text and returns the slots in ascending order.</summary>
        public static IReadOnlyList<int> Parse(IEnumerable<string> texts)
        {
            var given = new List<SlotRange>();
            foreach (string text in texts)
            {
                foreach (string part in (text ?? string.Empty).Split(new[] { ',', ' ' }, StringSplitOptions.RemoveEmptyEntries))
                {
                    given.Add(ParseRange(part));
                }
            }

            if (given.Count == 0)
            {
                throw Invalid("No slot was given.");
            }

            var seen = new SlotRange?[SlotRange.SlotCount];
            foreach (SlotRange range in given)
            {
                for (int slot = range.Start; slot <= range.End; slot++)
                {
                    if (seen[slot] is SlotRange earlier)
                    {
                        throw Invalid("Slot " + slot + " is given twice (" + (earlier == range ? range + " twice" : earlier + " and " + range + " overlap")
                            + "); give each slot once.");
                    }

                    seen[slot] = range;
                }
            }

            return Enumerable.Range(0, SlotRange.SlotCount).Where(s => seen[s] != null).ToList();
        }

        private static SlotRange ParseRange(string text)
        {
            // A dash after the first character separates a range; "-5" is a negative number, refused below.
            int dash = text.IndexOf('-', 1 < text.Length ? 1 : 0);
            string first = dash > 0 ? text.Substring(0, dash) : text;
            string last = dash > 0 ? text.Substring(dash + 1) : text;
            int start = ParseSlot(first, text);
            int end = ParseSlot(last, text);
            if (end < start)
            {
                throw Invalid("Slot range '" + text + "' ends before it starts; write it as " + end + "-" + start + ".");
            }

            return new SlotRange(start, end);
        }

        private static int ParseSlot(string text, string whole)
        {
            if (!int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int slot) || slot >= SlotRange.SlotCount)
            {
                throw Invalid("'" + whole + "' is not a slot or slot range: slots are numbers from 0 to 16383, ranges are written 100-200.");
            }

            return slot;
        }

        private static AdministrationException Invalid(string message) => new AdministrationException(AdministrationFailure.InvalidRequest, null, message);
    }
}
