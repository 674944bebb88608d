using System;
using System.Collections.Generic;

namespace RedisCluster.Engine.Fill
{
    /// <summary>A snapshot of a running fill, for progress display.</summary>
    public sealed class FillProgress
    {
        public FillProgress(long bytes, long keys, long totalBytes, TimeSpan elapsed, IReadOnlyList<KeyValuePair<string, long>> bytesPerNode, string phase)
        {
            Bytes = bytes;
            Keys = keys;
            TotalBytes = totalBytes;
            Elapsed = elapsed;
            BytesPerNode = bytesPerNode;
            Phase = phase;
        }

        public long Bytes { get; }

        public long Keys { get; }

        public long TotalBytes { get; }

        public TimeSpan Elapsed { get; }

        public IReadOnlyList<KeyValuePair<string, long>> BytesPerNode { get; }

        /// <summary>flushing, writing or verifying.</summary>
        public string Phase { get; }

        public double MBPerSecond => Elapsed.TotalSeconds > 0 ? Bytes / 1048576.0 / Elapsed.TotalSeconds : 0;

        public int PercentComplete => TotalBytes > 0 ? (int)Math.Min(100, Bytes * 100 / TotalBytes) : 0;

        public TimeSpan? Remaining => Bytes > 0 && Elapsed.TotalSeconds > 0
            ? TimeSpan.FromSeconds((TotalBytes - Bytes) * Elapsed.TotalSeconds / Bytes)
            : (TimeSpan?)null;
    }
}
