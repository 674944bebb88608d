using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;

namespace RedisCluster.Engine.Routing
{
    /// <summary>
    /// The client's current view of the cluster. Refreshes are shared: callers that ask while one is
    /// running wait for that one instead of starting another, and refreshes closer together than a
    /// minimum interval reuse the last result, so a burst of MOVED replies costs one CLUSTER SHARDS.
    /// </summary>
    internal sealed class TopologyManager
    {
        private static readonly TimeSpan MinimumInterval = TimeSpan.FromMilliseconds(100);

        private readonly ClusterConnections _connections;
        private readonly IReadOnlyList<RedisEndpoint> _seeds;
        private readonly IRedisLog _log;
        private readonly object _gate = new object();
        private Task? _refreshing;
        private long _lastRefresh;
        private ClusterTopology _current;

        public TopologyManager(ClusterTopology initial, ClusterConnections connections, IReadOnlyList<RedisEndpoint> seeds, IRedisLog log)
        {
            _current = initial;
            _connections = connections;
            _seeds = seeds;
            _log = log;
            Slots.Load(initial);
            _lastRefresh = Stopwatch.GetTimestamp();
        }

        public ClusterTopology Current => Volatile.Read(ref _current);

        public SlotMap Slots { get; } = new SlotMap();

        /// <summary>Where keyless commands without a fan-out policy go: the first addressable primary.</summary>
        public RedisEndpoint? DefaultPrimary => (Current.Primaries.FirstOrDefault(p => p.Endpoint != null && p.Slots.Count > 0) ?? Current.Primaries.FirstOrDefault(p => p.Endpoint != null))?.Endpoint;

        /// <summary>Patches one slot after a MOVED, so that the retry goes to the right node at once.</summary>
        public void ApplyMoved(int slot, RedisEndpoint owner) => Slots.Move(slot, owner);

        public Task RefreshAsync(CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                if (_refreshing != null && !_refreshing.IsCompleted)
                {
                    return _refreshing;
                }

                double sinceLast = (Stopwatch.GetTimestamp() - _lastRefresh) * 1000.0 / Stopwatch.Frequency;
                if (sinceLast < MinimumInterval.TotalMilliseconds && _refreshing != null)
                {
                    return _refreshing;
                }

                _refreshing = RefreshCoreAsync(cancellationToken);
                return _refreshing;
            }
        }

        private async Task RefreshCoreAsync(CancellationToken cancellationToken)
        {
            // Ask the nodes we know, primaries first, then the seeds: any live node can describe the cluster.
            var candidates = new List<RedisEndpoint>();
            ClusterTopology current = Current;
            foreach (ClusterNode node in current.Primaries)
            {
                if (node.Endpoint != null)
                {
                    AddUnique(candidates, node.Endpoint);
                }
            }

            foreach (ClusterNode node in current.Replicas)
            {
                if (node.Endpoint != null)
                {
                    AddUnique(candidates, node.Endpoint);
                }
            }

            foreach (RedisEndpoint seed in _seeds)
            {
                AddUnique(candidates, seed);
            }

            var errors = new List<string>();
            foreach (RedisEndpoint endpoint in candidates)
            {
                try
                {
                    RedisConnection connection = await _connections.GetForTopology(endpoint).GetAsync(cancellationToken).ConfigureAwait(false);
                    ClusterTopology topology = await ClusterTopologyLoader.LoadAsync(connection, cancellationToken).ConfigureAwait(false);
                    if (topology.Primaries.Count == 0)
                    {
                        errors.Add(endpoint + ": no primaries");
                        continue;
                    }

                    Volatile.Write(ref _current, topology);
                    Slots.Load(topology);
                    _lastRefresh = Stopwatch.GetTimestamp();
                    var known = new HashSet<RedisEndpoint>();
                    foreach (ClusterNode node in topology.Nodes)
                    {
                        if (node.Endpoint != null)
                        {
                            known.Add(node.Endpoint);
                        }
                    }

                    _connections.Retain(e => known.Contains(e) || _seeds.Contains(e));
                    _log.Verbose("Cluster topology refreshed from " + endpoint + ": " + topology.Primaries.Count + " primaries, "
                        + topology.Replicas.Count + " replicas" + (topology.CoversAllSlots ? "." : ", some slots unassigned."));
                    return;
                }
                catch (Exception ex) when (ex is RedisException || ex is ObjectDisposedException)
                {
                    errors.Add(endpoint + ": " + ex.Message);
                }
            }

            _lastRefresh = Stopwatch.GetTimestamp();
            _log.Verbose("Cluster topology refresh failed: " + string.Join("; ", errors));
        }

        private static void AddUnique(List<RedisEndpoint> list, RedisEndpoint endpoint)
        {
            if (!list.Contains(endpoint))
            {
                list.Add(endpoint);
            }
        }
    }
}
