using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Routing;

namespace RedisCluster.Engine.Client.PubSub
{
    /// <summary>
    /// The subscriber's background work: placing each subscription on the node that serves it, and moving it
    /// when that changes. Only this task opens connections and sends subscribe commands; the reader threads
    /// only mark subscriptions as lost and wake it.
    /// </summary>
    public sealed partial class RedisSubscriber
    {
        private async Task MaintainAsync()
        {
            CancellationToken token = _disposing.Token;
            long nextCheck = Stopwatch.GetTimestamp() + ToTicks(_options.PlacementCheckInterval);
            int failures = 0;
            while (!token.IsCancellationRequested)
            {
                try
                {
                    if (_cluster != null && Stopwatch.GetTimestamp() >= nextCheck)
                    {
                        nextCheck = Stopwatch.GetTimestamp() + ToTicks(_options.PlacementCheckInterval);
                        await CheckPlacementAsync(_cluster, token).ConfigureAwait(false);
                    }

                    bool placed = await PlaceAsync(token).ConfigureAwait(false);
                    CloseIdleConnections();
                    KeepConnectionsAlive(token);
                    failures = placed ? 0 : failures + 1;
                    TimeSpan wait = placed ? _options.PlacementCheckInterval : Backoff(failures);
                    await _wake.WaitAsync(wait, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    // Whatever failed, this task must go on: it is the only one that ever places a subscription again,
                    // and a subscriber waiting for a first confirmation would otherwise wait forever.
                    failures++;
                    _log.Verbose("Pub/sub: keeping the subscriptions in place failed, trying again: " + ex.Message);
                    try
                    {
                        await Task.Delay(Backoff(failures), token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            }
        }

        /// <summary>Subscribes what has no place yet; false when something is still waiting for a node.</summary>
        private async Task<bool> PlaceAsync(CancellationToken token)
        {
            List<Subscription> unplaced;
            lock (_gate)
            {
                unplaced = _subscriptions.Values.Where(s => s.Connection == null).ToList();
            }

            if (unplaced.Count == 0)
            {
                return true;
            }

            if (_cluster != null && unplaced.Any(s => s.LostAt != 0 || s.RedirectedTo != null))
            {
                await _cluster.RefreshTopologyAsync(token).ConfigureAwait(false);
            }

            int waiting;
            lock (_gate)
            {
                waiting = unplaced.RemoveAll(WaitsForTopology);
            }

            bool all = waiting == 0;
            foreach (IGrouping<RedisEndpoint?, Subscription> group in unplaced.GroupBy(TargetOf).ToList())
            {
                if (group.Key == null)
                {
                    all = false;
                    continue;
                }

                SubscriberConnection connection;
                try
                {
                    connection = await GetConnectionAsync(group.Key, token).ConfigureAwait(false);
                }
                catch (Exception ex) when (!token.IsCancellationRequested)
                {
                    all = false;
                    NotPlaced(group.Key, group, ex as RedisException
                        ?? new RedisConnectionException(group.Key.ToString(), "Connecting to " + group.Key + " failed: " + ex.Message, ex));
                    continue;
                }

                foreach (SubscriptionRequest request in RequestsFor(group))
                {
                    all &= await SendAsync(connection, request, token).ConfigureAwait(false);
                }
            }

            return all;
        }

        private async Task<bool> SendAsync(SubscriberConnection connection, SubscriptionRequest request, CancellationToken token)
        {
            lock (_gate)
            {
                if (!_connections.TryGetValue(connection.Endpoint, out SubscriberConnection? current) || current != connection)
                {
                    return false; // broke meanwhile: the subscriptions stay unplaced for the next round
                }

                foreach (string name in request.Names)
                {
                    if (_subscriptions.TryGetValue((request.Kind, name), out Subscription? s))
                    {
                        s.Connection = connection;
                        s.RedirectedTo = null;
                        s.EndedBy = null;
                    }
                }
            }

            try
            {
                await connection.SendAsync(request, token).ConfigureAwait(false);
                return true;
            }
            catch (RedisException)
            {
                // The connection broke while sending: its broken event puts these subscriptions back in line.
                return false;
            }
        }

        /// <summary>A node could not be reached: a first subscription fails with the reason, a lost one waits for the next round.</summary>
        private void NotPlaced(RedisEndpoint node, IEnumerable<Subscription> subscriptions, RedisException reason)
        {
            lock (_gate)
            {
                if (node.Equals(_broadcastNode))
                {
                    _broadcastNode = null;
                }

                foreach (Subscription s in subscriptions)
                {
                    if (!s.EverConfirmed && _subscriptions.Remove((s.Kind, s.Name)))
                    {
                        s.FirstConfirmation.TrySetException(reason);
                    }
                }
            }

            _log.Verbose("Pub/sub: " + node + " cannot be reached now (" + reason.Message + ").");
        }

        /// <summary>
        /// True while the topology still names, as a shard channel's owner, the node that just ended its
        /// subscription because the slot moved away: after a failover that node is a replica, and a replica
        /// accepts SSUBSCRIBE and delivers the shard's messages. Placed there, the subscription would move to the
        /// new primary at the next placement check, and a message published on the replica meanwhile (by a
        /// publisher whose map is as stale) reaches both nodes, so the subscriber could receive it twice. The
        /// topology is refreshed each round; after <see cref="MaxStaleOwnerRounds"/> the node is taken at its
        /// word (the slot may have come back to it).
        /// </summary>
        private bool WaitsForTopology(Subscription subscription)
        {
            if (_cluster == null || subscription.Kind != SubscriptionKind.ShardChannel || subscription.EndedBy == null || subscription.RedirectedTo != null
                || subscription.StaleOwnerRounds >= MaxStaleOwnerRounds
                || !subscription.EndedBy.Equals(_cluster.Topology.GetPrimaryForSlot(subscription.Slot)?.Endpoint))
            {
                return false;
            }

            subscription.StaleOwnerRounds++;
            return true;
        }

        /// <summary>Where a subscription belongs now: its slot's primary for a shard channel, the chosen node for the others.</summary>
        private RedisEndpoint? TargetOf(Subscription subscription)
        {
            if (_cluster == null)
            {
                return _client.Endpoint;
            }

            if (subscription.Kind == SubscriptionKind.ShardChannel)
            {
                return subscription.RedirectedTo ?? _cluster.Topology.GetPrimaryForSlot(subscription.Slot)?.Endpoint;
            }

            lock (_gate)
            {
                // Any node hears every classic PUBLISH; stay on one that has a connection already.
                _broadcastNode ??= _connections.Keys.FirstOrDefault()
                    ?? _cluster.Topology.Primaries.FirstOrDefault(p => p.Endpoint != null)?.Endpoint
                    ?? _client.Endpoint;
                return _broadcastNode;
            }
        }

        /// <summary>One command per kind; shard channels one per slot, as SSUBSCRIBE requires.</summary>
        private static IEnumerable<SubscriptionRequest> RequestsFor(IEnumerable<Subscription> subscriptions)
            => subscriptions
                .GroupBy(s => (s.Kind, Slot: s.Kind == SubscriptionKind.ShardChannel ? s.Slot : -1))
                .Select(g => new SubscriptionRequest(g.Key.Kind, subscribe: true, g.Select(s => s.Name).ToList()));

        private async Task<SubscriberConnection> GetConnectionAsync(RedisEndpoint node, CancellationToken token)
        {
            lock (_gate)
            {
                if (_connections.TryGetValue(node, out SubscriberConnection? open) && open.IsConnected)
                {
                    return open;
                }
            }

            SubscriberConnection connection = await SubscriberConnection.OpenAsync(node, _connector, this, token).ConfigureAwait(false);
            lock (_gate)
            {
                if (Volatile.Read(ref _disposed) == 0 && connection.IsConnected)
                {
                    _connections[node] = connection;
                    _log.Verbose("Pub/sub: connected to " + node + " (RESP" + connection.Protocol.ToString(CultureInfo.InvariantCulture) + ").");
                    return connection;
                }
            }

            connection.Dispose();
            throw new RedisConnectionException(node.ToString(), "The subscriber's connection to " + node + " closed as it opened.");
        }

        /// <summary>Moves shard channels whose slot has a new primary that no server told us about.</summary>
        private async Task CheckPlacementAsync(ClusterRedisClient cluster, CancellationToken token)
        {
            bool any;
            lock (_gate)
            {
                any = _subscriptions.Values.Any(s => s.Kind == SubscriptionKind.ShardChannel && s.Active);
            }

            if (!any)
            {
                return;
            }

            await cluster.RefreshTopologyAsync(token).ConfigureAwait(false);
            ClusterTopology topology = cluster.Topology;
            List<(SubscriberConnection Connection, SubscriptionRequest Request)> leaving;
            lock (_gate)
            {
                var moved = _subscriptions.Values
                    .Where(s => s.Kind == SubscriptionKind.ShardChannel && s.Active && s.Connection != null)
                    .Where(s => topology.GetPrimaryForSlot(s.Slot)?.Endpoint is RedisEndpoint owner && !owner.Equals(s.Connection!.Endpoint))
                    .ToList();
                leaving = UnsubscribeRequests(moved);
                foreach (Subscription s in moved)
                {
                    _log.Verbose("Pub/sub: the slot of " + s.Describe() + " is served by " + topology.GetPrimaryForSlot(s.Slot)!.Endpoint + " now, not " + s.Connection!.Endpoint + "; moving it.");
                    s.Lose();
                }
            }

            await SendAllAsync(leaving, token).ConfigureAwait(false);
        }

        /// <summary>The (P|S)UNSUBSCRIBE commands that end <paramref name="subscriptions"/> where they are placed: one per connection and kind, shard channels one per slot.</summary>
        private static List<(SubscriberConnection Connection, SubscriptionRequest Request)> UnsubscribeRequests(IEnumerable<Subscription> subscriptions)
            => subscriptions
                .Where(s => s.Connection != null)
                .GroupBy(s => (Connection: s.Connection!, s.Kind, Slot: s.Kind == SubscriptionKind.ShardChannel ? s.Slot : -1))
                .Select(g => (g.Key.Connection, new SubscriptionRequest(g.Key.Kind, subscribe: false, g.Select(s => s.Name).ToList())))
                .ToList();

        private static async Task SendAllAsync(IEnumerable<(SubscriberConnection Connection, SubscriptionRequest Request)> requests, CancellationToken token)
        {
            foreach (var (connection, request) in requests)
            {
                try
                {
                    await connection.SendAsync(request, token).ConfigureAwait(false);
                }
                catch (RedisException)
                {
                    // The connection broke: the server forgot its subscriptions with it, and it closes as idle.
                }
            }
        }

        private void KeepConnectionsAlive(CancellationToken token)
        {
            List<SubscriberConnection> open;
            lock (_gate)
            {
                open = _connections.Values.ToList();
            }

            foreach (SubscriberConnection connection in open)
            {
                connection.KeepAlive(_options.KeepAliveInterval, token);
            }
        }

        private void CloseIdleConnections()
        {
            var idle = new List<SubscriberConnection>();
            lock (_gate)
            {
                foreach (SubscriberConnection connection in _connections.Values.ToList())
                {
                    if (!_subscriptions.Values.Any(s => s.Connection == connection))
                    {
                        _connections.Remove(connection.Endpoint);
                        idle.Add(connection);
                    }
                }
            }

            foreach (SubscriberConnection connection in idle)
            {
                connection.Dispose();
            }
        }

        private static TimeSpan Backoff(int failures)
            => TimeSpan.FromMilliseconds(Math.Min(MaxBackoff.TotalMilliseconds, 50 * Math.Pow(2, Math.Min(failures, 10))));

        private static long ToTicks(TimeSpan interval) => (long)(interval.TotalSeconds * Stopwatch.Frequency);
    }
}
