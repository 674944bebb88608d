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
    /// Receives pub/sub messages for a client, on dedicated connections of its own (the client's pooled
    /// connections keep serving commands). Channels and patterns are subscribed on one node (on a cluster any
    /// node hears every PUBLISH); shard channels at the primary of their slot, grouped per slot. A background
    /// task keeps every subscription in place: after MOVED, a broken connection, an sunsubscribe the server sends
    /// when a slot moves, or a periodic check against the topology, it subscribes again where the channel lives
    /// now. Messages reach the consumer through a bounded queue (<see cref="TryReceive"/>); what does not fit is
    /// dropped and counted.
    /// </summary>
    public sealed partial class RedisSubscriber : IDisposable, ISubscriberEvents
    {
        private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(1);

        /// <summary>Placement rounds (about 3 s with the backoff) a shard channel waits for the topology to stop naming the node that ended it.</summary>
        private const int MaxStaleOwnerRounds = 5;

        private readonly RedisClient _client;
        private readonly ClusterRedisClient? _cluster;
        private readonly TransportConnector _connector;
        private readonly SubscriberOptions _options;
        private readonly IRedisLog _log;
        private readonly MessageQueue<PubSubMessage> _queue;
        private readonly object _gate = new object();
        private readonly Dictionary<(SubscriptionKind, string), Subscription> _subscriptions = new Dictionary<(SubscriptionKind, string), Subscription>();
        private readonly Dictionary<RedisEndpoint, SubscriberConnection> _connections = new Dictionary<RedisEndpoint, SubscriberConnection>();
        private readonly SemaphoreSlim _wake = new SemaphoreSlim(0);
        private readonly CancellationTokenSource _disposing = new CancellationTokenSource();
        private readonly Task _maintenance;
        private RedisEndpoint? _broadcastNode;
        private long _received;
        private long _resubscriptions;
        private long _longestGapTicks;
        private int _disposed;

        public RedisSubscriber(RedisClient client, SubscriberOptions? options = null)
        {
            _client = client ?? throw new ArgumentNullException(nameof(client));
            _cluster = client as ClusterRedisClient;
            _options = options ?? new SubscriberOptions();
            _connector = new TransportConnector(client.Options.Connection);
            _log = client.Options.Log;
            _queue = new MessageQueue<PubSubMessage>(Math.Max(1, _options.MaxQueuedMessages), Math.Max(1, _options.MaxQueuedBytes), m => m.Payload.Length);
            _maintenance = Task.Run(MaintainAsync);
        }

        /// <summary>Messages received from the servers, dropped ones included.</summary>
        public long Received => Interlocked.Read(ref _received);

        /// <summary>Messages dropped because the queue was full (the consumer did not keep up).</summary>
        public long Dropped => _queue.Dropped;

        /// <summary>Messages waiting in the queue.</summary>
        public int Queued => _queue.Count;

        /// <summary>How many times a subscription was lost and made again (failover, slot move, reconnect).</summary>
        public long Resubscriptions => Interlocked.Read(ref _resubscriptions);

        /// <summary>The longest time a subscription was lost before it was made again.</summary>
        public TimeSpan LongestGap => TimeSpan.FromTicks(Interlocked.Read(ref _longestGapTicks));

        /// <summary>The node a subscription is confirmed on now; null while it is being (re)made, or unknown.</summary>
        public RedisEndpoint? NodeOf(SubscriptionKind kind, string name)
        {
            lock (_gate)
            {
                return _subscriptions.TryGetValue((kind, name), out Subscription? s) && s.Active ? s.Connection?.Endpoint : null;
            }
        }

        /// <summary>
        /// Subscribes to <paramref name="names"/> and returns once the servers confirmed every one; throws the
        /// server's error when one is refused (ACL, a shard channel on a server older than 7.0), or the connection error.
        /// </summary>
        public async Task SubscribeAsync(SubscriptionKind kind, IEnumerable<string> names, CancellationToken cancellationToken = default)
        {
            ThrowIfDisposed();
            var confirmations = new List<Task>();
            lock (_gate)
            {
                foreach (string name in names.Distinct(StringComparer.Ordinal))
                {
                    if (string.IsNullOrEmpty(name))
                    {
                        throw new ArgumentException("A channel or pattern name cannot be empty.", nameof(names));
                    }

                    if (!_subscriptions.TryGetValue((kind, name), out Subscription? subscription))
                    {
                        subscription = new Subscription(kind, name, HashSlot.GetSlot(name));
                        _subscriptions.Add((kind, name), subscription);
                    }

                    confirmations.Add(subscription.FirstConfirmation.Task);
                }
            }

            _wake.Release();
            await TaskWaiting.WaitAsync(Task.WhenAll(confirmations), cancellationToken).ConfigureAwait(false);
        }

        /// <summary>
        /// Ends the subscriptions to <paramref name="names"/> and leaves the others in place; returns once the unsubscribe
        /// commands are sent. From then on no message of theirs is queued (those queued already stay). Names not subscribed
        /// are ignored, as the server ignores them; a first subscription still waiting for its confirmation is cancelled.
        /// </summary>
        public async Task UnsubscribeAsync(SubscriptionKind kind, IEnumerable<string> names, CancellationToken cancellationToken = default)
        {
            ThrowIfDisposed();
            List<(SubscriberConnection Connection, SubscriptionRequest Request)> leaving;
            lock (_gate)
            {
                var ending = new List<Subscription>();
                foreach (string name in names.Distinct(StringComparer.Ordinal))
                {
                    if (_subscriptions.TryGetValue((kind, name), out Subscription? subscription))
                    {
                        _subscriptions.Remove((kind, name));
                        subscription.FirstConfirmation.TrySetCanceled();
                        ending.Add(subscription);
                    }
                }

                leaving = UnsubscribeRequests(ending);
            }

            await SendAllAsync(leaving, cancellationToken).ConfigureAwait(false);

            // The maintenance task closes the connections that no subscription needs any more.
            _wake.Release();
        }

        /// <summary>Takes the oldest message, waiting up to <paramref name="wait"/>; throws when <paramref name="cancellationToken"/> is cancelled.</summary>
        public bool TryReceive(TimeSpan wait, CancellationToken cancellationToken, out PubSubMessage? message)
        {
            ThrowIfDisposed();
            return _queue.TryTake(wait, cancellationToken, out message);
        }

        void ISubscriberEvents.OnMessage(SubscriberConnection connection, PubSubFrame frame)
        {
            lock (_gate)
            {
                // A channel unsubscribed a moment ago may still deliver until the server reads the UNSUBSCRIBE. After a move
                // the old node may still deliver a shard channel for a moment: one source per channel keeps the order.
                string name = frame.Kind == SubscriptionKind.Pattern ? frame.Pattern! : frame.Name!;
                if (!_subscriptions.TryGetValue((frame.Kind, name), out Subscription? s)
                    || (frame.Kind == SubscriptionKind.ShardChannel && s.Connection != connection))
                {
                    return;
                }
            }

            Interlocked.Increment(ref _received);
            var message = new PubSubMessage(frame.Kind, frame.Name!, frame.Pattern, frame.Payload!, connection.Endpoint, DateTimeOffset.Now);
            if (_queue.Add(message, out _))
            {
                _log.Warning("Messages are arriving faster than they are taken: " + _queue.Count.ToString(CultureInfo.InvariantCulture)
                    + " are waiting, and new ones are dropped until the consumer catches up (" + Dropped.ToString(CultureInfo.InvariantCulture) + " dropped so far).");
            }
        }

        void ISubscriberEvents.OnSubscribed(SubscriberConnection connection, SubscriptionKind kind, string name)
        {
            Subscription? s;
            long lostAt;
            lock (_gate)
            {
                s = _subscriptions.TryGetValue((kind, name), out Subscription? found) ? found : null;
                if (s != null && s.Connection != connection)
                {
                    return;
                }

                lostAt = s?.LostAt ?? 0;
                if (s != null)
                {
                    s.Active = true;
                    s.LostAt = 0;
                }
            }

            if (s == null)
            {
                // Unsubscribed while its SUBSCRIBE was on the way: end it on the server too, or its messages keep coming.
                _ = connection.SendAsync(new SubscriptionRequest(kind, subscribe: false, new[] { name }), CancellationToken.None)
                    .ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
                return;
            }

            if (lostAt != 0)
            {
                long gap = (long)((Stopwatch.GetTimestamp() - lostAt) * (double)TimeSpan.TicksPerSecond / Stopwatch.Frequency);
                Interlocked.Increment(ref _resubscriptions);
                long longest;
                while (gap > (longest = Interlocked.Read(ref _longestGapTicks)) && Interlocked.CompareExchange(ref _longestGapTicks, gap, longest) != longest)
                {
                }

                _log.Warning("Subscribed to " + s.Describe() + " again, at " + connection.Endpoint + ", after "
                    + (gap / TimeSpan.TicksPerMillisecond).ToString(CultureInfo.InvariantCulture) + " ms; messages published in between were not received.");
            }

            s.FirstConfirmation.TrySetResult(true);
        }

        void ISubscriberEvents.OnUnsubscribed(SubscriberConnection connection, SubscriptionKind kind, string name, bool requested)
        {
            if (requested)
            {
                return;
            }

            lock (_gate)
            {
                if (!_subscriptions.TryGetValue((kind, name), out Subscription? s) || s.Connection != connection)
                {
                    return;
                }

                s.Lose();
                s.EndedBy = connection.Endpoint;
                s.StaleOwnerRounds = 0;
                _log.Verbose("Pub/sub: " + connection.Endpoint + " ended the subscription to " + s.Describe() + " (its slot moved); subscribing again.");
            }

            _wake.Release();
        }

        void ISubscriberEvents.OnRejected(SubscriberConnection connection, SubscriptionRequest request, string error)
        {
            if (!request.Subscribe)
            {
                return;
            }

            bool moved = ClusterRedirect.TryParse(error, out ClusterRedirect? redirect) && redirect!.Kind == RedirectKind.Moved;
            var refused = new RedisServerErrorException(error, request.Command.ToDisplayString());
            lock (_gate)
            {
                foreach (string name in request.Names)
                {
                    if (!_subscriptions.TryGetValue((request.Kind, name), out Subscription? s) || s.Connection != connection)
                    {
                        continue;
                    }

                    if (moved)
                    {
                        s.Lose();
                        s.RedirectedTo = redirect!.ResolveEndpoint(connection.Endpoint);
                        _log.Verbose("Pub/sub: " + error + " for " + s.Describe() + "; subscribing there.");
                    }
                    else
                    {
                        _subscriptions.Remove((request.Kind, name));
                        if (!s.FirstConfirmation.TrySetException(refused))
                        {
                            _log.Warning("The subscription to " + s.Describe() + " ended: " + connection.Endpoint + " refused it again (" + error + ").");
                        }
                    }
                }
            }

            _wake.Release();
        }

        void ISubscriberEvents.OnBroken(SubscriberConnection connection, Exception reason)
        {
            int lost = 0;
            lock (_gate)
            {
                if (Volatile.Read(ref _disposed) != 0)
                {
                    return;
                }

                if (_connections.TryGetValue(connection.Endpoint, out SubscriberConnection? current) && current == connection)
                {
                    _connections.Remove(connection.Endpoint);
                }

                if (connection.Endpoint.Equals(_broadcastNode))
                {
                    _broadcastNode = null;
                }

                foreach (Subscription s in _subscriptions.Values.Where(s => s.Connection == connection))
                {
                    s.Lose();
                    lost++;
                }
            }

            if (lost > 0)
            {
                _log.Verbose("Pub/sub: the connection to " + connection.Endpoint + " broke (" + reason.Message + "); subscribing "
                    + lost.ToString(CultureInfo.InvariantCulture) + " channel(s) again.");
                _wake.Release();
            }
        }

        private void ThrowIfDisposed()
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                throw new ObjectDisposedException(nameof(RedisSubscriber), "The subscription has ended.");
            }
        }

        /// <summary>Ends every subscription and closes the subscriber's connections.</summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            _disposing.Cancel();
            List<SubscriberConnection> connections;
            lock (_gate)
            {
                connections = _connections.Values.ToList();
                _connections.Clear();
                foreach (Subscription s in _subscriptions.Values)
                {
                    s.FirstConfirmation.TrySetCanceled();
                }
            }

            foreach (SubscriberConnection connection in connections)
            {
                connection.Dispose();
            }
        }
    }
}
