using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using RedisCluster.Engine.Cluster;

namespace RedisCluster.Engine.Administration
{
    /// <summary>Slots a rebalance moves (or moved) from one primary to another, with their keys. Immutable.</summary>
    public sealed class RebalanceMove
    {
        public RebalanceMove(string source, string sourceId, string destination, string destinationId, IReadOnlyList<int> slots, long keysMoved, TimeSpan elapsed)
        {
            Source = source;
            SourceId = sourceId;
            Destination = destination;
            DestinationId = destinationId;
            SlotNumbers = slots;
            Slots = SlotRanges.Of(slots);
            SlotCount = slots.Count;
            KeysMoved = keysMoved;
            Seconds = Math.Round(elapsed.TotalSeconds, 3);
        }

        public string Source { get; }

        public string SourceId { get; }

        public string Destination { get; }

        public string DestinationId { get; }

        public IReadOnlyList<SlotRange> Slots { get; }

        public int SlotCount { get; }

        public long KeysMoved { get; }

        public double Seconds { get; }

        /// <summary>The slots one by one, in the order they move.</summary>
        internal IReadOnlyList<int> SlotNumbers { get; }

        internal RebalanceMove Done(long keysMoved, TimeSpan elapsed) => new RebalanceMove(Source, SourceId, Destination, DestinationId, SlotNumbers, keysMoved, elapsed);

        public override string ToString()
            => SlotCount + " slot(s) (" + SlotRanges.Format(Slots) + ") from " + Source + " to " + Destination
                + (KeysMoved > 0 ? ": " + KeysMoved.ToString(CultureInfo.InvariantCulture) + " keys" : string.Empty);
    }
}
