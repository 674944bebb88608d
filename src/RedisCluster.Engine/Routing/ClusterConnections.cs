using System;
using System.Collections.Concurrent;
using RedisCluster.Engine.Client;
using RedisCluster.Engine.Connections;

namespace RedisCluster.Engine.Routing
{
    /// <summary>
    /// Connection pools to every node of a cluster, opened on first use with the same TLS and auth
    /// settings as the seed, including nodes first learned from a redirect.
    /// </summary>
    internal sealed class ClusterConnections : IDisposable
    {
        private readonly ConcurrentDictionary<RedisEndpoint, ConnectionPool> _primaryPools = new ConcurrentDictionary<RedisEndpoint, ConnectionPool>();
        private readonly ConcurrentDictionary<RedisEndpoint, ConnectionPool> _replicaPools = new ConcurrentDictionary<RedisEndpoint, ConnectionPool>();
        private readonly TransportConnector _connector;
        private readonly Lazy<TransportConnector> _replicaConnector;
        private readonly ConcurrentDictionary<RedisEndpoint, ConnectionPool> _topologyPools = new ConcurrentDictionary<RedisEndpoint, ConnectionPool>();
        private readonly TransportConnector? _topologyConnector;
        private readonly RedisClientOptions _options;
        private bool _disposed;

        public ClusterConnections(RedisClientOptions options, TransportConnector connector)
        {
            _options = options;
            _connector = connector;
            _replicaConnector = new Lazy<TransportConnector>(() =>
            {
                ConnectionOptions replica = options.Connection.Clone();
                replica.ReadOnlyReplica = true;
                return new TransportConnector(replica);
            });
            if (options.TopologyTimeout is TimeSpan timeout && timeout != options.Connection.CommandTimeout)
            {
                ConnectionOptions timed = options.Connection.Clone();
                timed.CommandTimeout = timeout;
                _topologyConnector = new TransportConnector(timed);
            }
        }

        /// <summary>
        /// The pool for the client's own topology requests: a connection of their own, timed per
        /// <see cref="RedisClientOptions.TopologyTimeout"/>, when that differs from the application's
        /// connections (whose commands may rightly wait for a long script); else the node's usual pool.
        /// </summary>
        public ConnectionPool GetForTopology(RedisEndpoint endpoint)
        {
            if (_topologyConnector == null)
            {
                return Get(endpoint);
            }

            if (_disposed)
            {
                throw new ObjectDisposedException(nameof(ClusterConnections));
            }

            return _topologyPools.GetOrAdd(endpoint, ep => new ConnectionPool(ep, _topologyConnector, 1));
        }

        /// <summary>The pool for a node; replica pools send READONLY on every connection they open.</summary>
        public ConnectionPool Get(RedisEndpoint endpoint, bool readOnlyReplica = false)
        {
            if (_disposed)
            {
                throw new ObjectDisposedException(nameof(ClusterConnections));
            }

            var pools = readOnlyReplica ? _replicaPools : _primaryPools;
            return pools.GetOrAdd(endpoint, ep =>
            {
                var pool = new ConnectionPool(ep, readOnlyReplica ? _replicaConnector.Value : _connector, Math.Max(1, _options.PoolSize));
                pool.Reconnecting += (where, why) => _options.Log.Verbose("Reconnecting to " + where + " after: " + why.Message);
                return pool;
            });
        }

        /// <summary>Connections open now, to every node.</summary>
        public int OpenCount => ConnectionPool.OpenIn(_primaryPools.Values, _replicaPools.Values, _topologyPools.Values);

        /// <summary>Closes the pools of nodes that are no longer part of the cluster.</summary>
        public void Retain(Func<RedisEndpoint, bool> keep)
        {
            foreach (var pools in new[] { _primaryPools, _replicaPools, _topologyPools })
            {
                foreach (RedisEndpoint endpoint in pools.Keys)
                {
                    if (!keep(endpoint) && pools.TryRemove(endpoint, out ConnectionPool? pool))
                    {
                        pool.Dispose();
                    }
                }
            }
        }

        public void Dispose()
        {
            _disposed = true;
            foreach (var pools in new[] { _primaryPools, _replicaPools, _topologyPools })
            {
                foreach (ConnectionPool pool in pools.Values)
                {
                    pool.Dispose();
                }

                pools.Clear();
            }
        }
    }
}
