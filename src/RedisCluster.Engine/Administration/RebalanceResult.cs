using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace RedisCluster.Engine.Administration
{
    /// <summary>What a rebalance did (or, simulated, would do): the primaries before and after, the moves, keys and time. Immutable.</summary>
    public sealed class RebalanceResult
    {
        public RebalanceResult(IReadOnlyList<RebalancePrimary> primaries, IReadOnlyList<RebalanceMove> moves, bool simulated, TimeSpan elapsed)
        {
            Primaries = primaries;
            Moves = moves;
            Simulated = simulated;
            SlotsMoved = moves.Sum(m => m.SlotCount);
            KeysMoved = moves.Sum(m => m.KeysMoved);
            Seconds = Math.Round(elapsed.TotalSeconds, 3);
            KeysPerSecond = elapsed.TotalSeconds > 0 ? Math.Round(KeysMoved / elapsed.TotalSeconds) : 0;
        }

        /// <summary>Every primary with its weight and slot counts (in the order redis-cli weighs them).</summary>
        public IReadOnlyList<RebalancePrimary> Primaries { get; }

        /// <summary>The moves in the order they ran (none when every primary was within the threshold).</summary>
        public IReadOnlyList<RebalanceMove> Moves { get; }

        /// <summary>True for -Simulate: the plan only, nothing changed.</summary>
        public bool Simulated { get; }

        public int SlotsMoved { get; }

        public long KeysMoved { get; }

        public double Seconds { get; }

        public double KeysPerSecond { get; }

        public override string ToString()
            => (Simulated ? "Would move " : "Moved ") + SlotsMoved + " slot(s) in " + Moves.Count + " move(s)"
                + (Simulated ? string.Empty : ", " + KeysMoved.ToString(CultureInfo.InvariantCulture) + " keys in " + Seconds.ToString("0.###", CultureInfo.InvariantCulture) + " s");
    }
}
