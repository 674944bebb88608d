using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Tunnel.Hosting;

namespace RedisCluster.Engine.Tunnel.Smart.Tracking
{
    /// <summary>
    /// Where the smart tunnel learns that keys changed: RESP3 connections of its own to the primaries with tracking on,
    /// so the nodes send it the invalidation pushes. The default-mode connection of a node is made to read every key an
    /// application tracks there (the node then tells it about exactly those keys, in the order they change, including
    /// expiry and eviction); the broadcast connection, opened once an application asks for BCAST, hears about every key.
    /// A PING on every feed is a barrier: its reply comes after every invalidation the node sent before it.
    /// </summary>
    internal sealed class InvalidationFeed : IDisposable
    {
        private readonly SmartBackend _backend;
        private readonly TunnelContext _context;
        private readonly Action<RedisEndpoint, FeedKind, RespValue> _invalidated;
        private readonly Action<RedisEndpoint> _lost;
        private readonly ConcurrentDictionary<(RedisEndpoint Endpoint, FeedKind Kind), Task<RedisConnection>> _feeds = new ConcurrentDictionary<(RedisEndpoint, FeedKind), Task<RedisConnection>>();
        private static readonly byte[] ExistsName = System.Text.Encoding.ASCII.GetBytes("EXISTS");

        private volatile bool _broadcast;
        private volatile bool _disposed;

        /// <param name="invalidated">Raised on a feed's reader thread with the push's keys (an array, or null for a flush).</param>
        /// <param name="lost">Raised when a feed broke or its node stopped being a primary: what it tracked is no longer watched.</param>
        public InvalidationFeed(SmartBackend backend, TunnelContext context, Action<RedisEndpoint, FeedKind, RespValue> invalidated, Action<RedisEndpoint> lost)
        {
            _backend = backend;
            _context = context;
            _invalidated = invalidated;
            _lost = lost;
        }

        /// <summary>
        /// Makes the node's default-mode feed read <paramref name="keys"/>, so the node tracks them for the tunnel from
        /// now on. False when it could not (the keys are moving, the node is failing): the caller then invalidates them.
        /// </summary>
        public async Task<bool> ReadAsync(RedisEndpoint node, IReadOnlyList<byte[]> keys, CancellationToken cancellationToken)
        {
            try
            {
                RedisConnection feed = await FeedAsync(node, FeedKind.Default, cancellationToken).ConfigureAwait(false);

                // One EXISTS per key: keys of different slots in one command would be refused as cross-slot.
                var reads = keys.Select(k => RedisCommand.Create(new[] { ExistsName, k })).ToList();
                RedisReply[] replies = await feed.ExecuteBatchAsync(reads, cancellationToken).ConfigureAwait(false);
                return replies.All(r => !r.Value.IsError);
            }
            catch (RedisException ex)
            {
                _context.Log.Debug("Tunnel: the invalidation feed of " + node + " could not read tracked keys: " + ErrorLines.OneLine(ex.Message));
                return false;
            }
        }

        /// <summary>Opens the broadcast feed on every primary (the first BCAST client); returns once they all hear every key.</summary>
        public async Task BroadcastAsync(CancellationToken cancellationToken)
        {
            _broadcast = true;
            IEnumerable<Task> opens = _backend.Cluster.GetPrimaryEndpoints().Select(p => FeedAsync(p, FeedKind.Broadcast, cancellationToken));
            await Task.WhenAll(opens).ConfigureAwait(false);
        }

        /// <summary>
        /// Returns once every invalidation the primaries sent before now has been handed on: a PING on every feed. A
        /// feed on a node that is no longer a primary is closed as lost, and a primary without a broadcast feed gets one.
        /// </summary>
        public async Task BarrierAsync(CancellationToken cancellationToken)
        {
            var primaries = new HashSet<RedisEndpoint>(_backend.Cluster.GetPrimaryEndpoints());
            foreach (var entry in _feeds.ToArray())
            {
                if (!primaries.Contains(entry.Key.Endpoint))
                {
                    Drop(entry.Key, entry.Value);
                }
            }

            var pings = new List<Task>();
            if (_broadcast)
            {
                foreach (RedisEndpoint primary in primaries)
                {
                    pings.Add(PingAsync(FeedAsync(primary, FeedKind.Broadcast, cancellationToken), cancellationToken));
                }
            }

            foreach (var entry in _feeds.ToArray())
            {
                if (entry.Key.Kind == FeedKind.Default)
                {
                    pings.Add(PingAsync(entry.Value, cancellationToken));
                }
            }

            await Task.WhenAll(pings).ConfigureAwait(false);
        }

        /// <summary>Feeds open now, for the tunnel's connection count.</summary>
        public int OpenCount => _feeds.Values.Count(t => t.Status == TaskStatus.RanToCompletion && t.Result.IsConnected);

        public void Dispose()
        {
            _disposed = true;
            foreach (var entry in _feeds.ToArray())
            {
                if (_feeds.TryRemove(entry.Key, out Task<RedisConnection>? opening) && opening.Status == TaskStatus.RanToCompletion)
                {
                    QuietCleanup.Dispose(opening.Result);
                }
            }
        }

        private async Task PingAsync(Task<RedisConnection> opening, CancellationToken cancellationToken)
        {
            try
            {
                RedisConnection feed = await opening.ConfigureAwait(false);
                await feed.ExecuteAsync(RedisCommand.Create("PING"), cancellationToken).ConfigureAwait(false);
            }
            catch (RedisException ex)
            {
                // The feed broke: Broken has reported it lost, and its keys were invalidated.
                _context.Log.Debug("Tunnel: an invalidation feed failed at a barrier: " + ErrorLines.OneLine(ex.Message));
            }
        }

        private async Task<RedisConnection> FeedAsync(RedisEndpoint node, FeedKind kind, CancellationToken cancellationToken)
        {
            if (_disposed)
            {
                throw new ObjectDisposedException(nameof(InvalidationFeed));
            }

            var key = (node, kind);
            Task<RedisConnection> opening = _feeds.GetOrAdd(key, k => OpenAsync(k.Endpoint, k.Kind));
            if (opening.IsFaulted || opening.IsCanceled || (opening.Status == TaskStatus.RanToCompletion && !opening.Result.IsConnected))
            {
                Drop(key, opening);
                opening = _feeds.GetOrAdd(key, k => OpenAsync(k.Endpoint, k.Kind));
            }

            await TaskWaiting.WaitAsync(opening, cancellationToken).ConfigureAwait(false);
            return await opening.ConfigureAwait(false);
        }

        private async Task<RedisConnection> OpenAsync(RedisEndpoint node, FeedKind kind)
        {
            RedisConnection feed = await _backend.Links.OpenDedicatedAsync(node, CancellationToken.None).ConfigureAwait(false);
            feed.PushReceived += (connection, push) => OnPush(node, kind, push);
            feed.Broken += (connection, why) => OnBroken(node, kind, connection);
            RespValue on = await feed.ExecuteAsync(kind == FeedKind.Broadcast
                ? RedisCommand.Create("CLIENT", "TRACKING", "ON", "BCAST")
                : RedisCommand.Create("CLIENT", "TRACKING", "ON"), CancellationToken.None).ConfigureAwait(false);
            if (on.IsError)
            {
                QuietCleanup.Dispose(feed);
                throw new RedisConnectionException(node.ToString(), "The node refused CLIENT TRACKING for the tunnel's invalidation feed: " + on.GetString());
            }

            _context.Statistics.UpstreamOpened();
            return feed;
        }

        private void OnPush(RedisEndpoint node, FeedKind kind, RespValue push)
        {
            if (push.Items.Count == 2 && push.Items[0].GetString() == "invalidate")
            {
                _invalidated(node, kind, push.Items[1]);
            }
        }

        private void OnBroken(RedisEndpoint node, FeedKind kind, RedisConnection connection)
        {
            _context.Statistics.UpstreamClosed();
            if (!_disposed)
            {
                _context.Log.Debug("Tunnel: the invalidation feed of " + node + " closed; what it tracked is invalidated.");
                _lost(node);
            }
        }

        private void Drop((RedisEndpoint, FeedKind) key, Task<RedisConnection> opening)
        {
            if (((ICollection<KeyValuePair<(RedisEndpoint, FeedKind), Task<RedisConnection>>>)_feeds).Remove(new KeyValuePair<(RedisEndpoint, FeedKind), Task<RedisConnection>>(key, opening))
                && opening.Status == TaskStatus.RanToCompletion)
            {
                // Disposing raises Broken, which reports the node lost.
                QuietCleanup.Dispose(opening.Result);
            }
        }
    }
}
