using System;

namespace RedisCluster.Engine.KeyCopy
{
    /// <summary>What to copy and how: the SCAN filters, the batch size, and what happens to existing and source keys.</summary>
    public sealed class KeyCopyOptions
    {
        /// <summary>SCAN MATCH pattern (glob style).</summary>
        public string Pattern { get; set; } = "*";

        /// <summary>SCAN TYPE filter (string, list, set, zset, hash, stream), or null for every type.</summary>
        public string? Type { get; set; }

        /// <summary>Keys per pipelined DUMP and RESTORE round (and the SCAN COUNT hint).</summary>
        public int BatchSize { get; set; } = 1000;

        /// <summary>RESTORE ... REPLACE: overwrite keys the destination already has (otherwise they are skipped).</summary>
        public bool Replace { get; set; }

        /// <summary>Delete each key on the source once it is on the destination (a move), unless it changed meanwhile.</summary>
        public bool Delete { get; set; }

        /// <summary>How many per-key failures are kept with their message (the rest are only counted).</summary>
        public int FailuresReported { get; set; } = 10;

        internal void Validate()
        {
            if (BatchSize < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "The batch size must be at least 1.");
            }

            if (string.IsNullOrEmpty(Pattern))
            {
                throw new ArgumentException("The pattern must not be empty; '*' matches every key.", nameof(Pattern));
            }
        }
    }
}
