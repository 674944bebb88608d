using System;

namespace RedisCluster.Engine.Administration
{
    /// <summary>How keys travel during a slot move: MIGRATE batch size and how many MIGRATEs are in flight.</summary>
    public sealed class SlotMoveOptions
    {
        private int _keysPerBatch = 100;
        private int _pipeline = 10;
        private int _slotsAtOnce = 32;

        /// <summary>Keys per MIGRATE ... KEYS command.</summary>
        public int KeysPerBatch
        {
            get => _keysPerBatch;
            set => _keysPerBatch = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), "At least one key per batch.");
        }

        /// <summary>MIGRATE commands sent to the source before their replies are read.</summary>
        public int Pipeline
        {
            get => _pipeline;
            set => _pipeline = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), "A pipeline depth of at least 1.");
        }

        /// <summary>
        /// Slots opened, emptied and assigned together, each step of the group in one pipeline per node: a
        /// slot-by-slot move waits for round trips, not for the servers. A larger group keeps more slots open
        /// (clients follow ASK redirects for them) while it is under way.
        /// </summary>
        public int SlotsAtOnce
        {
            get => _slotsAtOnce;
            set => _slotsAtOnce = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), "At least one slot at a time.");
        }

        /// <summary>
        /// MIGRATE with REPLACE (redis-cli's --cluster-replace): a key the destination holds already under the same
        /// name is overwritten with the source's, instead of stopping the move with BUSYKEY.
        /// </summary>
        public bool Replace { get; set; }

        /// <summary>MIGRATE's own timeout for the source's connection to the destination.</summary>
        public TimeSpan MigrateTimeout { get; set; } = TimeSpan.FromSeconds(60);
    }
}
