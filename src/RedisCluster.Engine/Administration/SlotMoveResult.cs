using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using RedisCluster.Engine.Cluster;

namespace RedisCluster.Engine.Administration
{
    /// <summary>What a slot move did: which slots went where, how many keys travelled and how fast. Immutable.</summary>
    public sealed class SlotMoveResult
    {
        public SlotMoveResult(string destination, string destinationId, IReadOnlyList<int> slots, long keysMoved, TimeSpan elapsed)
        {
            Destination = destination;
            DestinationId = destinationId;
            Slots = new ReadableList<SlotRange>(SlotRanges.Of(slots), ",");
            SlotCount = slots.Count;
            KeysMoved = keysMoved;
            Seconds = Math.Round(elapsed.TotalSeconds, 3);
            KeysPerSecond = elapsed.TotalSeconds > 0 ? Math.Round(keysMoved / elapsed.TotalSeconds) : 0;
        }

        /// <summary>The endpoint of the primary that owns the slots now.</summary>
        public string Destination { get; }

        public string DestinationId { get; }

        /// <summary>The slots moved (those the destination already owned are not counted). Its text is "100-110,200".</summary>
        public IReadOnlyList<SlotRange> Slots { get; }

        public int SlotCount { get; }

        public long KeysMoved { get; }

        public double Seconds { get; }

        public double KeysPerSecond { get; }

        public override string ToString()
            => SlotCount + " slot(s) (" + SlotRanges.Format(Slots) + ") to " + Destination + ": " + KeysMoved.ToString(CultureInfo.InvariantCulture)
                + " keys in " + Seconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";
    }
}
