using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;

namespace RedisCluster.Engine.Administration
{
    /// <summary>
    /// Time spent per <see cref="SlotMovePhase"/>, summed over every group of a move (groups in flight at
    /// the same time both count), so a slow move shows whether it waits on SETSLOT, key lists or MIGRATE.
    /// </summary>
    internal sealed class SlotMovePhases
    {
        private readonly long[] _ticks = new long[Enum.GetValues(typeof(SlotMovePhase)).Length];
        private readonly int[] _rounds = new int[Enum.GetValues(typeof(SlotMovePhase)).Length];

        /// <summary>Starts timing one round of <paramref name="phase"/>; disposing the result stops it.</summary>
        public IDisposable Measure(SlotMovePhase phase) => new Round(this, phase);

        public TimeSpan Of(SlotMovePhase phase) => TimeSpan.FromTicks(Interlocked.Read(ref _ticks[(int)phase]));

        /// <summary>"open 0.12 s (3), list keys 0.40 s (12), ...": seconds and rounds (pipelines) per phase.</summary>
        public override string ToString()
            => string.Join(", ", Enum.GetValues(typeof(SlotMovePhase)).Cast<SlotMovePhase>().Select(p =>
                Name(p) + " " + Of(p).TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " s (" + Volatile.Read(ref _rounds[(int)p]) + ")"));

        private static string Name(SlotMovePhase phase)
        {
            switch (phase)
            {
                case SlotMovePhase.Open:
                    return "SETSLOT IMPORTING/MIGRATING";
                case SlotMovePhase.ListKeys:
                    return "GETKEYSINSLOT";
                case SlotMovePhase.Migrate:
                    return "MIGRATE";
                default:
                    return "SETSLOT NODE";
            }
        }

        private sealed class Round : IDisposable
        {
            private readonly SlotMovePhases _owner;
            private readonly SlotMovePhase _phase;
            private readonly long _start = Stopwatch.GetTimestamp();

            public Round(SlotMovePhases owner, SlotMovePhase phase)
            {
                _owner = owner;
                _phase = phase;
            }

            public void Dispose()
            {
                long elapsed = (Stopwatch.GetTimestamp() - _start) * TimeSpan.TicksPerSecond / Stopwatch.Frequency;
                Interlocked.Add(ref _owner._ticks[(int)_phase], elapsed);
                Interlocked.Increment(ref _owner._rounds[(int)_phase]);
            }
        }
    }
}
