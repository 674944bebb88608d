using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Tunnel.Hosting;

namespace RedisCluster.Engine.Tunnel.Smart.Tracking
{
    /// <summary>
    /// Server-assisted client-side caching (CLIENT TRACKING) for the applications of a smart tunnel, as one Redis
    /// server gives it. The tunnel's upstream connections are shared, so the nodes cannot track per application:
    /// the tunnel keeps the tracking table itself, learns from its <see cref="InvalidationFeed"/> which keys changed,
    /// and sends each application (or the client it redirects to) the invalidations Redis would.
    /// </summary>
    internal sealed class SmartTracking : IDisposable
    {
        private static readonly RespValue Invalidate = RespValue.BulkString("invalidate");
        private static readonly RespValue Message = RespValue.BulkString("message");
        private static readonly RespValue Channel = RespValue.BulkString("__redis__:invalidate");
        private static readonly RespValue RedirectBroken = RespValue.BulkString("tracking-redir-broken");

        private readonly SmartBackend _backend;
        private readonly InvalidationTable _table = new InvalidationTable();
        private readonly InvalidationFeed _feed;
        private readonly ConcurrentDictionary<long, SmartClientState> _tracking = new ConcurrentDictionary<long, SmartClientState>();

        public SmartTracking(SmartBackend backend, TunnelContext context)
        {
            _backend = backend;
            _feed = new InvalidationFeed(backend, context, OnInvalidated, OnLost);
        }

        /// <summary>CLIENT TRACKING, CACHING, GETREDIR and TRACKINGINFO: the tunnel answers them for the application.</summary>
        public static bool Answers(byte[][] args)
        {
            if (args.Length < 2)
            {
                return false;
            }

            string sub = CommandNames.Of(args[1]);
            return (sub == "TRACKING" && args.Length >= 3) || (sub == "CACHING" && args.Length >= 3)
                || ((sub == "GETREDIR" || sub == "TRACKINGINFO") && args.Length == 2);
        }

        /// <summary>The answer to one of the commands <see cref="Answers"/> takes.</summary>
        public async Task<RespValue> AnswerAsync(SmartClientState client, byte[][] args, CancellationToken cancellationToken)
        {
            switch (CommandNames.Of(args[1]))
            {
                case "CACHING":
                    return client.Tracking.Caching(args);
                case "GETREDIR":
                    return RespValue.FromInteger(client.Tracking.RedirectForInfo);
                case "TRACKINGINFO":
                    return client.Tracking.TrackingInfo();
            }

            TrackingRequest? request = TrackingRequest.Parse(args, out string? error);
            if (request == null)
            {
                return RespValue.Error(error!);
            }

            if (!request.On)
            {
                Disable(client);
                return RespValue.Ok;
            }

            if (request.Redirect != 0 && _backend.Clients.Find(request.Redirect) == null)
            {
                return RespValue.Error("ERR The client ID you want redirect to does not exist");
            }

            try
            {
                if (request.Flags.HasFlag(TrackingFlags.Bcast))
                {
                    // Before the OK: a write the application makes after it must already be heard.
                    await _feed.BroadcastAsync(cancellationToken).ConfigureAwait(false);
                }

                // What changed before the ON is not news to the client: whatever is still on its way from the nodes
                // (a flush it ran a moment ago) is handed on while the client is not yet tracking.
                await _feed.BarrierAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Errors.RedisException ex)
            {
                return RespValue.Error("ERR tunnel: cannot start tracking: " + ErrorLines.OneLine(ex.Message));
            }

            string? refused = client.Tracking.Enable(request);
            if (refused != null)
            {
                return RespValue.Error(refused);
            }

            _tracking[client.Id] = client;
            return RespValue.Ok;
        }

        /// <summary>CLIENT TRACKING OFF, RESET, or the application left.</summary>
        public void Disable(SmartClientState client)
        {
            client.Tracking.Disable();
            _tracking.TryRemove(client.Id, out _);
        }

        /// <summary>
        /// Before a tracking client's batch: every invalidation of a write that finished before it is handed on first,
        /// so the client never sees a reply newer than an invalidation still to come.
        /// </summary>
        public async Task BeforeBatchAsync(SmartClientState client, CancellationToken cancellationToken)
        {
            await _feed.BarrierAsync(cancellationToken).ConfigureAwait(false);

            // The invalidations of the client's own earlier writes, and the nulls of an earlier flush, have all arrived by now.
            client.Tracking.ForgetOwnWrites();
            client.Tracking.RearmNull();
        }

        /// <summary>
        /// Before one of a tracking client's commands runs: the keys it reads are remembered (and the node told to watch
        /// them) before the read can happen, so no later write is missed; a NOLOOP client's writes are noted as its own.
        /// </summary>
        /// <param name="trackedByNode">The command runs on the client's tracked connection (<see cref="TrackedScripts"/>), where the node remembers its reads itself.</param>
        public async Task BeforeCommandAsync(SmartClientState client, RedisCommand command, CommandInfo? info, CancellationToken cancellationToken, bool trackedByNode = false)
        {
            ClientTracking tracking = client.Tracking;
            if (info == null || info.HasFlag("pubsub"))
            {
                return;
            }

            bool script = SmartBusyNodes.IsScript(command.Name);
            bool reads = tracking.RemembersReads && (info.IsReadOnly || script) && !trackedByNode;
            bool ownWrites = tracking.IsNoLoop && (info.IsWrite || script);
            if (!reads && !ownWrites)
            {
                return;
            }

            KeyExtraction extraction = _backend.Cluster.Commands.GetKeys(command);
            if (extraction.NeedsServerLookup || extraction.KeyIndices.Count == 0)
            {
                return;
            }

            var keys = extraction.KeyIndices.Select(i => command.Arguments[i].ToArray()).ToList();
            if (reads)
            {
                await RememberAsync(client, keys, cancellationToken).ConfigureAwait(false);
            }

            if (ownWrites)
            {
                if (tracking.IsBcast)
                {
                    tracking.NoteOwnWrites(keys.Select(k => TrackedKey.Of(k)));
                }
                else
                {
                    foreach (byte[] key in keys)
                    {
                        _table.Forget(client.Id, TrackedKey.Of(key));
                    }
                }
            }
        }

        /// <summary>
        /// An invalidation for <paramref name="client"/> from elsewhere (its tracked scripts' connections). A flush's null
        /// comes from those connections too, and the client hears one null per flush, as from the feeds.
        /// </summary>
        public void Deliver(SmartClientState client, RespValue keys)
        {
            if (keys.IsNull && !client.Tracking.TakeNullDue())
            {
                return;
            }

            Send(client, keys);
        }

        /// <summary>INFO's tracking fields.</summary>
        public TrackingFigures Figures()
        {
            var prefixes = new HashSet<string>(StringComparer.Ordinal);
            long clients = 0;
            foreach (SmartClientState client in _tracking.Values)
            {
                if (client.Tracking.IsOn)
                {
                    clients++;
                    foreach (byte[] prefix in client.Tracking.Prefixes)
                    {
                        prefixes.Add(TrackedKey.Of(prefix));
                    }
                }
            }

            return new TrackingFigures(clients, _table.Keys, _table.Items, prefixes.Count);
        }

        /// <summary>tracking-table-max-keys, which the tunnel's table obeys (the nodes' feeds keep their own).</summary>
        public long MaxKeys
        {
            get => _table.MaxKeys;
            set
            {
                _table.MaxKeys = value;
                InvalidateOverLimit();
            }
        }

        /// <summary>Feeds open now, for the tunnel's connection count.</summary>
        public int OpenFeeds => _feed.OpenCount;

        public void Dispose() => _feed.Dispose();


        private async Task RememberAsync(SmartClientState client, List<byte[]> keys, CancellationToken cancellationToken)
        {
            var fresh = new Dictionary<RedisEndpoint, List<byte[]>>();
            var unwatched = new List<byte[]>();
            foreach (byte[] key in keys)
            {
                if (!_table.Remember(client.Id, TrackedKey.Of(key)))
                {
                    continue;
                }

                RedisEndpoint? owner = _backend.OwnerOf(HashSlot.GetSlot(key));
                if (owner == null)
                {
                    unwatched.Add(key);
                    continue;
                }

                if (!fresh.TryGetValue(owner, out List<byte[]>? onNode))
                {
                    fresh[owner] = onNode = new List<byte[]>();
                }

                onNode.Add(key);
            }

            var reads = fresh.Select(f => (Keys: f.Value, Read: _feed.ReadAsync(f.Key, f.Value, cancellationToken))).ToList();
            foreach (var (onNode, read) in reads)
            {
                if (!await read.ConfigureAwait(false))
                {
                    unwatched.AddRange(onNode);
                }
            }

            // Keys the tunnel could not have watched are invalidated right away (after the reply): the client does not
            // keep a value nobody would tell it about.
            foreach (byte[] key in unwatched)
            {
                string tracked = TrackedKey.Of(key);
                _table.Forget(client.Id, tracked);
                Send(client, RespValue.Array(RespValue.BulkString(key)));
            }

            InvalidateOverLimit();
        }

        private void InvalidateOverLimit()
        {
            foreach (KeyValuePair<string, long[]> evicted in _table.TakeOverLimit())
            {
                SendKey(evicted.Key, evicted.Value, null);
            }
        }

        private void OnInvalidated(RedisEndpoint node, FeedKind kind, RespValue keys)
        {
            if (keys.IsNull)
            {
                // The node was flushed: what was read there is gone, and like Redis every tracking client hears it.
                _table.TakeWhere(key => Equals(_backend.OwnerOf(HashSlot.GetSlot(TrackedKey.Bytes(key))), node));
                foreach (SmartClientState client in _tracking.Values)
                {
                    if (client.Tracking.IsOn && client.Tracking.TakeNullDue())
                    {
                        Send(client, RespValue.NullBulkString);
                    }
                }

                return;
            }

            if (kind == FeedKind.Broadcast)
            {
                Broadcast(keys);
                return;
            }

            foreach (RespValue key in keys.Items)
            {
                string tracked = TrackedKey.Of(key.GetBytes() ?? Array.Empty<byte>());
                long[]? clients = _table.Take(tracked);
                if (clients != null)
                {
                    SendKey(tracked, clients, key);
                }
            }
        }

        private void OnLost(RedisEndpoint node)
        {
            // Writes there may go unheard from now on: every client drops everything, as after a flush.
            _table.TakeWhere(_ => true);
            foreach (SmartClientState client in _tracking.Values)
            {
                if (client.Tracking.IsOn)
                {
                    Send(client, RespValue.NullBulkString);
                }
            }
        }

        private void SendKey(string tracked, long[] clients, RespValue? key)
        {
            RespValue keys = RespValue.Array(key ?? RespValue.BulkString(TrackedKey.Bytes(tracked)));
            foreach (long id in clients)
            {
                if (_tracking.TryGetValue(id, out SmartClientState? client) && client.Tracking.IsOn && !client.Tracking.IsBcast)
                {
                    Send(client, keys);
                }
            }
        }

        /// <summary>A broadcast feed's keys to every BCAST client, one message per matching prefix, as Redis sends them.</summary>
        private void Broadcast(RespValue keys)
        {
            foreach (SmartClientState client in _tracking.Values)
            {
                ClientTracking tracking = client.Tracking;
                if (!tracking.IsOn || !tracking.IsBcast)
                {
                    continue;
                }

                foreach (byte[] prefix in tracking.Prefixes)
                {
                    var matched = new List<RespValue>();
                    foreach (RespValue key in keys.Items)
                    {
                        byte[] bytes = key.GetBytes() ?? Array.Empty<byte>();
                        if (bytes.AsSpan().StartsWith(prefix) && !(tracking.IsNoLoop && tracking.TakeOwnWrite(TrackedKey.Of(bytes))))
                        {
                            matched.Add(key);
                        }
                    }

                    if (matched.Count > 0)
                    {
                        Send(client, RespValue.Array(matched.ToArray()));
                    }
                }
            }
        }

        /// <summary>
        /// One invalidation for <paramref name="client"/>, where Redis would put it: to the client it redirects to (as a
        /// push in RESP3, as a message on __redis__:invalidate to a RESP2 subscriber), to itself in RESP3, and nowhere
        /// for a RESP2 client without a redirect. A redirect to a client that has gone tells a RESP3 client so.
        /// </summary>
        private void Send(SmartClientState client, RespValue keys)
        {
            SmartClientState target = client;
            bool redirected = false;
            long redirect = client.Tracking.Redirect;
            if (redirect != 0)
            {
                SmartClientState? found = _backend.Clients.Find(redirect);
                if (found == null)
                {
                    client.Tracking.RedirectBroke();
                    if (client.Protocol >= 3)
                    {
                        client.Pushes?.Add(Push(RedirectBroken, RespValue.FromInteger(redirect)), 3);
                    }

                    return;
                }

                target = found;
                redirected = true;
            }

            if (target.Protocol >= 3)
            {
                target.Pushes?.Add(Push(Invalidate, keys), 3);
            }
            else if (redirected && target.Subscribed)
            {
                target.Pushes?.Add(RespValue.Array(Message, Channel, keys), 2);
            }
        }

        private static RespValue Push(RespValue kind, RespValue value) => RespValue.Create(RespType.Push, null, items: new[] { kind, value });
    }
}
