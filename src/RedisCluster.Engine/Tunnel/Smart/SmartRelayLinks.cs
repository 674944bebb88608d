using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Connections.EventLoop;
using RedisCluster.Engine.Errors;

namespace RedisCluster.Engine.Tunnel.Smart
{
    /// <summary>
    /// The upstream connections that smart clients' single-slot commands are relayed over: per primary, one
    /// connection in each protocol on each event loop (one in all on the runtime's sockets), so a reply's bytes are
    /// already what a client of that protocol expects and pass through unparsed. The commands of every client a loop
    /// serves share its connection to a node, which is the multiplexing (and one write per node per turn of the
    /// loop), and a client always uses the one on its own loop, which keeps its commands in order and its batch on
    /// one thread from its read to its replies: with one connection per node for all loops, a loop's clients waited
    /// for replies another loop read, and every batch crossed threads twice.
    /// </summary>
    internal sealed class SmartRelayLinks : IDisposable
    {
        /// <summary>Seconds a node that refused a relay connection is left to the router.</summary>
        private const int RetryAfter = 1;

        private readonly TransportConnector _resp2;
        private readonly TransportConnector _resp3;
        private readonly ConcurrentDictionary<RedisEndpoint, ConnectionPool> _resp2Pools = new ConcurrentDictionary<RedisEndpoint, ConnectionPool>();
        private readonly ConcurrentDictionary<RedisEndpoint, ConnectionPool> _resp3Pools = new ConcurrentDictionary<RedisEndpoint, ConnectionPool>();
        private readonly ConcurrentDictionary<(RedisEndpoint Endpoint, int Protocol), long> _failedAt = new ConcurrentDictionary<(RedisEndpoint Endpoint, int Protocol), long>();
        private readonly TunnelStatistics _statistics;
        private bool _disposed;

        public SmartRelayLinks(ConnectionOptions options, TunnelStatistics statistics)
        {
            _resp2 = new TransportConnector(WithProtocol(options, RedisProtocol.Resp2)) { OnEventLoops = true };
            _resp3 = new TransportConnector(WithProtocol(options, RedisProtocol.Resp3)) { OnEventLoops = true };
            _statistics = statistics;
        }

        /// <summary>
        /// The connection to <paramref name="endpoint"/> in <paramref name="protocol"/> in <paramref name="slot"/> (a
        /// client's <see cref="SmartSessionState.LinkSlot"/>) when it is open; false when it must be opened first.
        /// </summary>
        public bool TryGet(RedisEndpoint endpoint, int protocol, int slot, out RedisConnection? connection)
            => Pool(endpoint, protocol).TryGetOpen(slot, out connection);

        /// <summary>Any open relay connection to <paramref name="endpoint"/>, in either protocol, on any loop; false when there is none.</summary>
        public bool TryGetAny(RedisEndpoint endpoint, out RedisConnection? connection)
            => Pool(endpoint, 2).TryGetAnyOpen(out connection) || Pool(endpoint, 3).TryGetAnyOpen(out connection);

        /// <summary>
        /// Opens (or reopens) the client's connection to <paramref name="endpoint"/>. After a failed attempt the
        /// node is not tried again for a moment: while it is down (a failover under way) every command would
        /// otherwise make an attempt of its own before the router took it over.
        /// </summary>
        public async Task<RedisConnection> OpenAsync(RedisEndpoint endpoint, int protocol, int slot, CancellationToken cancellationToken)
        {
            if (_failedAt.TryGetValue((endpoint, protocol), out long failed) && Stopwatch.GetTimestamp() - failed < RetryAfter * Stopwatch.Frequency)
            {
                throw new RedisConnectionException(endpoint.ToString(), "The relay connection to " + endpoint + " failed moments ago.");
            }

            try
            {
                RedisConnection connection = await Pool(endpoint, protocol).GetAsync(slot, cancellationToken).ConfigureAwait(false);
                _failedAt.TryRemove((endpoint, protocol), out _);
                return connection;
            }
            catch (RedisException)
            {
                _failedAt[(endpoint, protocol)] = Stopwatch.GetTimestamp();
                throw;
            }
        }

        /// <summary>Relay connections open now.</summary>
        public int OpenCount => ConnectionPool.OpenIn(_resp2Pools.Values, _resp3Pools.Values);

        /// <summary>
        /// A RESP3 connection of its own to <paramref name="endpoint"/>, outside the pools: for a command that
        /// must not wait behind anybody's (SCRIPT KILL while a script holds the node). RESP3, because its
        /// handshake is HELLO alone, which a server busy with a script still answers. The caller closes it.
        /// </summary>
        public Task<RedisConnection> OpenDedicatedAsync(RedisEndpoint endpoint, CancellationToken cancellationToken)
            => RedisConnection.ConnectAsync(endpoint, _resp3, cancellationToken);

        public void Dispose()
        {
            Volatile.Write(ref _disposed, true);
            foreach (var pools in new[] { _resp2Pools, _resp3Pools })
            {
                foreach (ConnectionPool pool in pools.Values)
                {
                    pool.Dispose();
                }

                pools.Clear();
            }
        }

        private ConnectionPool Pool(RedisEndpoint endpoint, int protocol)
        {
            if (_disposed)
            {
                throw new ObjectDisposedException(nameof(SmartRelayLinks));
            }

            var pools = protocol >= 3 ? _resp3Pools : _resp2Pools;
            return pools.TryGetValue(endpoint, out ConnectionPool? existing) ? existing : AddPool(pools, endpoint, protocol >= 3 ? _resp3 : _resp2);
        }

        // Apart from Pool, whose every call would otherwise pay for this lambda's closure.
        private ConnectionPool AddPool(ConcurrentDictionary<RedisEndpoint, ConnectionPool> pools, RedisEndpoint endpoint, TransportConnector connector)
        {
            ConnectionPool added = pools.GetOrAdd(endpoint, ep =>
            {
                var pool = new ConnectionPool(ep, connector, PerNode, LoopOfSlot);
                pool.Reconnecting += (where, why) => _statistics.Reconnected();
                return pool;
            });

            if (Volatile.Read(ref _disposed))
            {
                // Added while the tunnel stopped: close it rather than leave its connection open.
                added.Dispose();
                throw new ObjectDisposedException(nameof(SmartRelayLinks));
            }

            return added;
        }

        /// <summary>A connection per event loop, each on its loop; one on the runtime's sockets.</summary>
        private static int PerNode => Math.Max(1, SocketEventLoops.LoopCount);

        private static Func<int, SocketEventLoop>? LoopOfSlot => SocketEventLoops.LoopCount > 0 ? SocketEventLoops.At : null;

        private static ConnectionOptions WithProtocol(ConnectionOptions options, RedisProtocol protocol)
        {
            ConnectionOptions copy = options.Clone();
            copy.Protocol = protocol;
            return copy;
        }
    }
}
