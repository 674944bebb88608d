using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace RedisCluster.Engine.KeyCopy
{
    /// <summary>The outcome of a copy, in total and per source node, also when it was stopped early.</summary>
    public sealed class KeyCopyResult
    {
        public KeyCopyResult(string source, string destination, IReadOnlyList<KeyCopyNodeResult> nodes, TimeSpan elapsed, bool completed, bool delete)
        {
            Source = source;
            Destination = destination;
            Nodes = new ReadableList<KeyCopyNodeResult>(nodes, "; ");
            Seconds = elapsed.TotalSeconds;
            Completed = completed;
            Copied = nodes.Sum(n => n.Copied);
            Existing = nodes.Sum(n => n.Existing);
            Vanished = nodes.Sum(n => n.Vanished);
            Failed = nodes.Sum(n => n.Failed);
            Deleted = delete ? nodes.Sum(n => n.Deleted) : (long?)null;
            Bytes = nodes.Sum(n => n.Bytes);
        }

        public string Source { get; }

        public string Destination { get; }

        public long Copied { get; }

        /// <summary>Keys not copied: <see cref="Existing"/> plus <see cref="Vanished"/>.</summary>
        public long Skipped => Existing + Vanished;

        /// <summary>Keys the destination already had (only without Replace).</summary>
        public long Existing { get; }

        /// <summary>Keys deleted or expired on the source before they could be copied.</summary>
        public long Vanished { get; }

        public long Failed { get; }

        /// <summary>Keys deleted on the source after the copy (a move); null when the source was left as it was.</summary>
        public long? Deleted { get; }

        /// <summary>DUMP payload bytes restored (the serialized values, as RESTORE received them).</summary>
        public long Bytes { get; }

        public double Seconds { get; }

        public double KeysPerSecond => Seconds > 0 ? (Copied + Skipped + Failed) / Seconds : 0;

        /// <summary>False when the copy was stopped (Ctrl+C) before every source node was scanned to the end.</summary>
        public bool Completed { get; }

        public IReadOnlyList<KeyCopyNodeResult> Nodes { get; }

        public override string ToString()
            => Source + " -> " + Destination + ": " + Copied.ToString("N0", CultureInfo.InvariantCulture) + " copied, "
               + Skipped.ToString("N0", CultureInfo.InvariantCulture) + " skipped, " + Failed.ToString("N0", CultureInfo.InvariantCulture) + " failed in "
               + Seconds.ToString("N2", CultureInfo.InvariantCulture) + " s" + (Completed ? string.Empty : " (stopped early)");
    }
}
