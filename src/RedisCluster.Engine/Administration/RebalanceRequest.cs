using System;
using System.Collections.Generic;

namespace RedisCluster.Engine.Administration
{
    /// <summary>What a rebalance should aim for (redis-cli --cluster rebalance's options).</summary>
    public sealed class RebalanceRequest
    {
        private double _threshold = 2;

        /// <summary>Weights by node id, unique id prefix or endpoint; a primary not named weighs 1, weight 0 empties it.</summary>
        public IReadOnlyDictionary<string, double> Weights { get; set; } = new Dictionary<string, double>();

        /// <summary>
        /// Percent by which a primary's slot count may differ from its share before the cluster is rebalanced
        /// (redis-cli's 2 by default); 0 rebalances any difference (redis-cli would then never rebalance).
        /// </summary>
        public double Threshold
        {
            get => _threshold;
            set => _threshold = value >= 0 && !double.IsNaN(value) ? value : throw new ArgumentOutOfRangeException(nameof(value), "The threshold is a percentage of 0 or more.");
        }

        /// <summary>Primaries without slots take part (a node just added); otherwise they are left out.</summary>
        public bool UseEmptyPrimaries { get; set; }
    }
}
