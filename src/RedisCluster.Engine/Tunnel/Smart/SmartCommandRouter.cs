using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Routing;
using RedisCluster.Engine.Tunnel.Hosting;

namespace RedisCluster.Engine.Tunnel.Smart
{
    /// <summary>
    /// Where one smart client's routed commands wait and in which order they run: relayed to a node as bytes
    /// (single-slot, or split by slot and composed), pinned to the connection that holds a WATCH, or through the shared
    /// cluster router. Before a command joins one queue the others run, so commands run in the client's order.
    /// </summary>
    internal sealed class SmartCommandRouter : SmartSessionPart
    {
        private readonly SmartPin _pin;

        public SmartCommandRouter(SmartSessionState state)
            : base(state)
        {
            _pin = state.Pin;
        }

        /// <summary>
        /// Queues a command that runs on the cluster: commands of the watched slot on the connection that
        /// holds the WATCH, single-slot commands relayed to their primary, the rest through the shared router.
        /// </summary>
        public Task RouteAsync(SmartBatch batch, RedisCommand command, CommandInfo? info, int index)
            => _pin.IsPinned ? RouteWhilePinnedAsync(batch, command, info, index) : RouteOnClusterAsync(batch, command, info, index);

        private async Task RouteWhilePinnedAsync(SmartBatch batch, RedisCommand command, CommandInfo? info, int index)
        {
            if (await InWatchedSlotAsync(command).ConfigureAwait(false))
            {
                await RunRelayedAsync(batch).ConfigureAwait(false);
                await RunSharedAsync(batch.Shared, batch.Replies).ConfigureAwait(false);
                batch.Pinned.Add(command, index);
                return;
            }

            await RouteOnClusterAsync(batch, command, info, index).ConfigureAwait(false);
        }

        private Task RouteOnClusterAsync(SmartBatch batch, RedisCommand command, CommandInfo? info, int index)
        {
            // One decision; a command whose keys only the server can name (COMMAND GETKEYS) is left to the router to decide.
            bool decided = _backend.Cluster.Planner.TryDecide(command, info, out CommandRoute route);
            return decided && TryRelayNow(batch, command, info, index, route)
                ? Task.CompletedTask
                : RouteDecidedAsync(batch, command, info, index, decided, route);
        }

        /// <summary>
        /// The usual case, without the async machinery that costs more than the rest of the command's way through the
        /// tunnel: a single-slot command whose relay connection is open, and nothing queued that must run first.
        /// </summary>
        private bool TryRelayNow(SmartBatch batch, RedisCommand command, CommandInfo? info, int index, CommandRoute route)
        {
            if (route.MayBlock || route.PreferReplica || batch.Pinned.Count > 0 || batch.Shared.Count > 0)
            {
                return false;
            }

            if (route.Kind == RouteKind.SplitBySlot)
            {
                return TryRelaySplitNow(batch, command, route, index);
            }

            if (route.Kind != RouteKind.SingleSlot)
            {
                return false;
            }

            RedisEndpoint? owner = _backend.Cluster.Slots[route.Slot];
            if (owner == null || !_backend.Links.TryGet(owner, _state.Protocol, _state.LinkSlot, out RedisConnection? link)
                || MustRunRelayedFirst(batch, link!, info?.IsReadOnly == true))
            {
                return false;
            }

            batch.Relay(link!, command, index, route);
            return true;
        }

        /// <summary>
        /// <see cref="TryRelaySplitAsync"/> when every part's connection is open and nothing queued must run first, without
        /// its async frames: a cross-slot MGET of ten keys would otherwise pay for a dozen of them.
        /// </summary>
        private bool TryRelaySplitNow(SmartBatch batch, RedisCommand command, CommandRoute route, int index)
        {
            if (!SmartSplitReply.CanCompose(route))
            {
                return false;
            }

            IReadOnlyList<SlotSplit> split = route.Splits!;
            var links = new RedisConnection[split.Count];
            for (int p = 0; p < split.Count; p++)
            {
                RedisEndpoint? owner = _backend.Cluster.Slots[split[p].Slot];
                if (owner == null || !_backend.Links.TryGet(owner, _state.Protocol, _state.LinkSlot, out RedisConnection? link)
                    || MustRunRelayedFirst(batch, link!, readsOnly: true))
                {
                    return false;
                }

                links[p] = link!;
            }

            batch.RelaySplit(links, split, command, index, route);
            return true;
        }

        private async Task RouteDecidedAsync(SmartBatch batch, RedisCommand command, CommandInfo? info, int index, bool decided, CommandRoute route)
        {
            RedisEndpoint? owner = null;
            if (decided && !route.MayBlock && !route.PreferReplica)
            {
                if (route.Kind == RouteKind.SingleSlot)
                {
                    owner = _backend.Cluster.Slots[route.Slot];
                }
                else if (route.Kind == RouteKind.SplitBySlot && await TryRelaySplitAsync(batch, command, route, index).ConfigureAwait(false))
                {
                    return;
                }
            }

            RedisConnection? link = owner == null ? null : await LinkToAsync(owner).ConfigureAwait(false);
            if (link != null)
            {
                await BeforeRelayOnAsync(batch, link, info?.IsReadOnly == true).ConfigureAwait(false);
                batch.Relay(link, command, index, route);
                return;
            }

            await RunRelayedAsync(batch).ConfigureAwait(false);
            await RunPinnedAsync(batch).ConfigureAwait(false);
            batch.Shared.Add(command, index, decided ? route : (CommandRoute?)null);
        }

        /// <summary>The client's relay connection to <paramref name="owner"/>, opened if need be; null when it cannot be had.</summary>
        private async ValueTask<RedisConnection?> LinkToAsync(RedisEndpoint owner)
        {
            if (_backend.Links.TryGet(owner, _state.Protocol, _state.LinkSlot, out RedisConnection? link))
            {
                return link;
            }

            try
            {
                return await _backend.Links.OpenAsync(owner, _state.Protocol, _state.LinkSlot, _abort.Token).ConfigureAwait(false);
            }
            catch (RedisException)
            {
                // The router tries the node again (and follows a failover) and reports what it finds.
                return null;
            }
        }

        /// <summary>
        /// MGET, EXISTS or TOUCH over several slots, relayed as one command per slot over the connections to their
        /// primaries (opened if need be); the reply is put together from the parts' bytes. False: use the router.
        /// </summary>
        private async Task<bool> TryRelaySplitAsync(SmartBatch batch, RedisCommand command, CommandRoute route, int index)
        {
            if (!SmartSplitReply.CanCompose(route))
            {
                return false;
            }

            IReadOnlyList<SlotSplit> split = route.Splits!;
            var links = new RedisConnection[split.Count];
            for (int p = 0; p < split.Count; p++)
            {
                RedisEndpoint? owner = _backend.Cluster.Slots[split[p].Slot];
                RedisConnection? link = owner == null ? null : await LinkToAsync(owner).ConfigureAwait(false);
                if (link == null)
                {
                    return false;
                }

                links[p] = link;
            }

            foreach (RedisConnection link in links)
            {
                // MGET, EXISTS and TOUCH only read.
                await BeforeRelayOnAsync(batch, link, readsOnly: true).ConfigureAwait(false);
            }

            batch.RelaySplit(links, split, command, index, route);
            return true;
        }

        /// <summary>
        /// Runs what must run before a command is relayed on <paramref name="link"/>: whatever is pinned or
        /// queued for the router, and the relayed commands too when the command would otherwise overtake them.
        /// </summary>
        private async Task BeforeRelayOnAsync(SmartBatch batch, RedisConnection link, bool readsOnly)
        {
            // Checked here as well as in the callees: this runs for every relayed command, and usually nothing waits.
            if (batch.Pinned.Count > 0)
            {
                await RunPinnedAsync(batch).ConfigureAwait(false);
            }

            if (batch.Shared.Count > 0)
            {
                await RunSharedAsync(batch.Shared, batch.Replies).ConfigureAwait(false);
            }

            if (MustRunRelayedFirst(batch, link, readsOnly))
            {
                await RunRelayedAsync(batch).ConfigureAwait(false);
            }
        }

        /// <summary>
        /// Two connections to one node (HELLO switched the protocol, or the connection was replaced meanwhile) would not
        /// keep the commands in order: what went first must run first. Nor would a write after a split MGET on its node,
        /// should the MGET have to run again.
        /// </summary>
        private static bool MustRunRelayedFirst(SmartBatch batch, RedisConnection link, bool readsOnly)
            => batch.HasOtherLinkTo(link) || (!readsOnly && batch.HasSplitPartOn(link));

        /// <summary>Runs whatever the batch has queued (only one of its queues holds commands at a time).</summary>
        public Task RunQueuedAsync(SmartBatch batch)
        {
            // Every batch ends here, and usually only relayed commands wait: no async frame (and box) of its own for those.
            return batch.Pinned.Count == 0 && batch.Shared.Count == 0 ? RunRelayedAsync(batch) : RunAllQueuedAsync(batch);
        }

        private async Task RunAllQueuedAsync(SmartBatch batch)
        {
            await RunRelayedAsync(batch).ConfigureAwait(false);
            await RunPinnedAsync(batch).ConfigureAwait(false);
            await RunSharedAsync(batch.Shared, batch.Replies).ConfigureAwait(false);
        }

        /// <summary>
        /// Waits for the relayed commands' replies. Those that met a redirect or could not be sent run
        /// again, in order, through the router, which follows the slot and waits out a failover; one whose
        /// connection broke after it went out may have run, and its client gets an error instead.
        /// </summary>
        public async Task RunRelayedAsync(SmartBatch batch)
        {
            if (batch.Relayed.Count == 0)
            {
                return;
            }

            try
            {
                await batch.SendRelayedAsync(_abort.Token).ConfigureAwait(false);
            }
            finally
            {
                batch.EndWait();
            }

            SmartCommandQueue? again = null;
            for (int j = 0; j < batch.Relayed.Count; j++)
            {
                if (batch.NeedsRetry(batch.Relayed.At(j)))
                {
                    again ??= new SmartCommandQueue();
                    again.Add(batch.Relayed.Entry(j), batch.Relayed.At(j));
                }
            }

            batch.ClearRelayed();
            if (again != null)
            {
                await RunSharedAsync(again, batch.Replies).ConfigureAwait(false);
            }
        }

        /// <summary>Runs the collected commands as one batch through the shared cluster client.</summary>
        private async Task RunSharedAsync(SmartCommandQueue pending, RespValue?[] replies)
        {
            if (pending.Count == 0)
            {
                return;
            }

            try
            {
                IReadOnlyList<RedisReply> results = await _backend.ExecuteAsync(pending.Decided.ToArray(), _abort.Token).ConfigureAwait(false);
                for (int j = 0; j < results.Count; j++)
                {
                    if (pending.At(j) >= 0)
                    {
                        replies[pending.At(j)] = results[j].Value;
                    }
                }
            }
            catch (RedisException ex)
            {
                _context.Statistics.Error();
                RespValue error = RespValue.Error("ERR tunnel: " + ErrorLines.OneLine(ex.Message));
                for (int j = 0; j < pending.Count; j++)
                {
                    if (pending.At(j) >= 0)
                    {
                        replies[pending.At(j)] = error;
                    }
                }
            }

            pending.Clear();
        }

        /// <summary>
        /// Runs the collected commands of the watched slot on the connection that holds the WATCH. Those that
        /// found their slot moved did not run there; they run through the shared router instead, which
        /// follows the slot, and the lost WATCH makes the EXEC fail.
        /// </summary>
        private async Task RunPinnedAsync(SmartBatch batch)
        {
            SmartCommandQueue pinned = batch.Pinned;
            RespValue?[] replies = batch.Replies;
            if (pinned.Count == 0)
            {
                return;
            }

            var moved = new SmartCommandQueue();
            try
            {
                RespValue?[] results = await _pin.RunPinnedAsync(pinned.ToCommands(), _abort.Token).ConfigureAwait(false);
                for (int j = 0; j < results.Length; j++)
                {
                    if (results[j] != null)
                    {
                        replies[pinned.At(j)] = results[j];
                    }
                    else
                    {
                        moved.Add(pinned.Entry(j), pinned.At(j));
                    }
                }
            }
            catch (RedisException ex)
            {
                // As on the shared path: whether they ran is unknown, so they are not sent again.
                _context.Statistics.Error();
                RespValue error = RespValue.Error("ERR tunnel: " + ErrorLines.OneLine(ex.Message));
                for (int j = 0; j < pinned.Count; j++)
                {
                    replies[pinned.At(j)] = error;
                }
            }

            pinned.Clear();
            await RunSharedAsync(moved, replies).ConfigureAwait(false);
        }

        /// <summary>True when every key of <paramref name="command"/> is in the watched slot (and it has keys).</summary>
        private async Task<bool> InWatchedSlotAsync(RedisCommand command)
        {
            IReadOnlyList<int> keys;
            try
            {
                keys = await _backend.Cluster.GetKeyIndicesAsync(command, _abort.Token).ConfigureAwait(false);
            }
            catch (RedisException)
            {
                // The shared router looks the keys up again and reports the failure in the command's reply.
                return false;
            }

            return keys.Count > 0 && AllInWatchedSlot(command, keys);
        }

        public bool AllInWatchedSlot(RedisCommand command, IReadOnlyList<int> keys)
        {
            foreach (int key in keys)
            {
                if (HashSlot.GetSlot(command.Arguments[key].Span) != _pin.WatchedSlot)
                {
                    return false;
                }
            }

            return true;
        }
    }
}
