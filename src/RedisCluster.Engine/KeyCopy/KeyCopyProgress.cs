using System;

namespace RedisCluster.Engine.KeyCopy
{
    /// <summary>How far a copy is, for a progress bar. Immutable.</summary>
    public sealed class KeyCopyProgress
    {
        public KeyCopyProgress(long done, long copied, long? estimatedTotal, TimeSpan elapsed)
        {
            Done = done;
            Copied = copied;
            EstimatedTotal = estimatedTotal;
            Elapsed = elapsed;
        }

        /// <summary>Keys dealt with so far: copied, skipped or failed.</summary>
        public long Done { get; }

        public long Copied { get; }

        /// <summary>The keys on the source when the copy started (DBSIZE), when every key is copied; null with a pattern or type filter.</summary>
        public long? EstimatedTotal { get; }

        public TimeSpan Elapsed { get; }

        public double KeysPerSecond => Elapsed.TotalSeconds > 0 ? Done / Elapsed.TotalSeconds : 0;

        /// <summary>0-100, or -1 when the total is unknown. Keys written meanwhile can make the count pass the estimate: it stays at 99 then.</summary>
        public int PercentComplete => EstimatedTotal is long total && total > 0 ? (int)Math.Min(99, Done * 100 / total) : -1;
    }
}
