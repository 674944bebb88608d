using System;
using System.Globalization;

namespace RedisCluster.Engine.Cluster
{
    /// <summary>An inclusive range of hash slots, as the server reports ownership.</summary>
    public readonly struct SlotRange : IEquatable<SlotRange>
    {
        public const int SlotCount = 16384;

        public SlotRange(int start, int end)
        {
            if (start < 0 || start >= SlotCount || end < start || end >= SlotCount)
            {
                throw new ArgumentOutOfRangeException(nameof(start), "Slot range " + start.ToString(CultureInfo.InvariantCulture) + "-"
                    + end.ToString(CultureInfo.InvariantCulture) + " is not within 0-16383 with start <= end.");
            }

            Start = start;
            End = end;
        }

        public int Start { get; }

        public int End { get; }

        public int Count => End - Start + 1;

        public bool Contains(int slot) => slot >= Start && slot <= End;

        public bool Equals(SlotRange other) => Start == other.Start && End == other.End;

        public override bool Equals(object? obj) => obj is SlotRange other && Equals(other);

        public override int GetHashCode() => Start * SlotCount + End;

        public static bool operator ==(SlotRange left, SlotRange right) => left.Equals(right);

        public static bool operator !=(SlotRange left, SlotRange right) => !left.Equals(right);

        /// <summary>"0-5460", or a single number for a one-slot range, as CLUSTER NODES writes it.</summary>
        public override string ToString() => Start == End
            ? Start.ToString(CultureInfo.InvariantCulture)
            : Start.ToString(CultureInfo.InvariantCulture) + "-" + End.ToString(CultureInfo.InvariantCulture);
    }
}
