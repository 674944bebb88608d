using System.Globalization;

namespace RedisCluster.Engine.KeyCopy
{
    /// <summary>What was copied from one source node (a source cluster's primary, or the one source server).</summary>
    public sealed class KeyCopyNodeResult
    {
        public KeyCopyNodeResult(string node, long copied, long existing, long vanished, long failed, long deleted, long bytes)
        {
            Node = node;
            Copied = copied;
            Existing = existing;
            Vanished = vanished;
            Failed = failed;
            Deleted = deleted;
            Bytes = bytes;
        }

        public string Node { get; }

        public long Copied { get; }

        /// <summary>Keys not copied: <see cref="Existing"/> plus <see cref="Vanished"/>.</summary>
        public long Skipped => Existing + Vanished;

        /// <summary>Keys the destination already had (RESTORE answered BUSYKEY; only without Replace).</summary>
        public long Existing { get; }

        /// <summary>Keys deleted or expired on the source between SCAN and DUMP, or expired on the way.</summary>
        public long Vanished { get; }

        public long Failed { get; }

        /// <summary>Keys deleted on the source after they were copied (only with Delete).</summary>
        public long Deleted { get; }

        /// <summary>DUMP payload bytes restored on the destination.</summary>
        public long Bytes { get; }

        /// <summary>"127.0.0.1:7000 33,412 copied": how a result's node list reads as text.</summary>
        public override string ToString()
            => Node + " " + Copied.ToString("N0", CultureInfo.InvariantCulture) + " copied"
               + (Skipped > 0 ? ", " + Skipped.ToString("N0", CultureInfo.InvariantCulture) + " skipped" : string.Empty)
               + (Failed > 0 ? ", " + Failed.ToString("N0", CultureInfo.InvariantCulture) + " failed" : string.Empty);
    }
}
