using System.Globalization;

namespace RedisCluster.Engine.Administration
{
    /// <summary>One primary of a rebalance: its weight and its slot count before and after. Immutable.</summary>
    public sealed class RebalancePrimary
    {
        public RebalancePrimary(string endpoint, string id, double weight, bool takesPart, int slotsBefore, int slotsAfter)
        {
            Endpoint = endpoint;
            Id = id;
            Weight = weight;
            TakesPart = takesPart;
            SlotsBefore = slotsBefore;
            SlotsAfter = slotsAfter;
        }

        public string Endpoint { get; }

        public string Id { get; }

        public double Weight { get; }

        /// <summary>False for an empty primary left out because -UseEmptyPrimaries was not given.</summary>
        public bool TakesPart { get; }

        public int SlotsBefore { get; }

        /// <summary>The slot count once the planned moves are done.</summary>
        public int SlotsAfter { get; }

        public override string ToString()
            => Endpoint + " (weight " + Weight.ToString("0.##", CultureInfo.InvariantCulture) + "): " + SlotsBefore + " -> " + SlotsAfter + " slots";
    }
}
