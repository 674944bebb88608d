using System;

namespace RedisCluster.Engine.Fill
{
    /// <summary>What to write and how hard to push.</summary>
    public sealed class FillOptions
    {
        /// <summary>Key plus value bytes to write in total.</summary>
        public long SizeBytes { get; set; }

        public int KeySize { get; set; } = 512;

        public int ValueSize { get; set; } = 512;

        /// <summary>Connections per node; null picks 2 per primary in a cluster and 8 for one server.</summary>
        public int? ConnectionsPerNode { get; set; }

        /// <summary>One connection in total, nodes one after another.</summary>
        public bool Serial { get; set; }

        /// <summary>Seed of the random values; the key set depends only on the sizes.</summary>
        public int? Seed { get; set; }

        /// <summary>Keys per pipelined write.</summary>
        public int BatchSize { get; set; } = 256;

        /// <summary>CLIENT REPLY OFF while writing (fast); false counts every reply.</summary>
        public bool FireAndForget { get; set; } = true;

        public bool Verify { get; set; } = true;

        /// <summary>FLUSHALL every primary first (the caller confirms; the engine just does it).</summary>
        public bool Flush { get; set; }

        public FillCommandShape Shape { get; set; } = FillCommandShape.MSet;

        /// <summary>Keys per MSET (all in one slot).</summary>
        public int KeysPerCommand { get; set; } = 16;

        public string KeyPrefix { get; set; } = "fill:";

        /// <summary>After a node failed: how long verification waits for other nodes to take its slots over.</summary>
        public TimeSpan TakeoverTimeout { get; set; } = TimeSpan.FromSeconds(30);

        public void Validate()
        {
            if (SizeBytes <= 0)
            {
                throw new ArgumentException("The size to fill must be positive.");
            }

            if (KeySize < 16 || KeySize > 1024 * 1024)
            {
                throw new ArgumentException("KeySize must be between 16 bytes and 1 MB.");
            }

            if (ValueSize < 1 || ValueSize > 512 * 1024 * 1024)
            {
                throw new ArgumentException("ValueSize must be between 1 byte and 512 MB.");
            }

            if (BatchSize < 1)
            {
                throw new ArgumentException("BatchSize must be at least 1.");
            }

            if (ConnectionsPerNode.HasValue && (ConnectionsPerNode < 1 || ConnectionsPerNode > 256))
            {
                throw new ArgumentException("ConnectionsPerNode must be between 1 and 256.");
            }
        }
    }
}
