using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Routing
{
    /// <summary>
    /// Decides where each command goes, from the server's own COMMAND metadata: key positions for
    /// slot routing, request policies for fan-out, response policies for combining.
    /// </summary>
    internal sealed class CommandPlanner
    {
        private readonly CommandTable _commands;
        private readonly TopologyManager _topology;
        private readonly bool _readFromReplica;
        private readonly Func<RedisCommand, CancellationToken, Task<IReadOnlyList<int>>> _serverKeys;

        public CommandPlanner(CommandTable commands, TopologyManager topology, bool readFromReplica, Func<RedisCommand, CancellationToken, Task<IReadOnlyList<int>>> serverKeys)
        {
            _commands = commands;
            _topology = topology;
            _readFromReplica = readFromReplica;
            _serverKeys = serverKeys;
        }

        /// <summary>
        /// Plans a batch. A MULTI ... EXEC (or DISCARD) block inside the batch goes, whole and in order, to
        /// the node of the block's first key, so the transaction runs where its keys live.
        /// </summary>
        public async Task<CommandPlan[]> PlanBatchAsync(IReadOnlyList<DecidedCommand> batch, CancellationToken cancellationToken)
        {
            var plans = new CommandPlan[batch.Count];
            for (int i = 0; i < plans.Length; i++)
            {
                if (batch[i].Command.Name != "MULTI")
                {
                    plans[i] = batch[i].Route is CommandRoute decided
                        ? Plan(batch[i].Command, decided)
                        : await PlanAsync(batch[i].Command, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                int end = i + 1;
                while (end < batch.Count && batch[end].Command.Name != "EXEC" && batch[end].Command.Name != "DISCARD")
                {
                    end++;
                }

                if (end == batch.Count)
                {
                    var refused = new RoutedPart(batch[i].Command, null, _topology.DefaultPrimary)
                    {
                        Reply = RespValue.Error("ERR MULTI without EXEC in the same batch: in a cluster, send the whole transaction in one pipeline "
                            + "(for example 'MULTI', 'INCR {user:1}:visits', 'EXEC' | Invoke-RedisCommand) so it can be routed to the node that owns its keys"),
                    };
                    plans[i] = new CommandPlan(batch[i].Command, new[] { refused });
                    continue;
                }

                int? slot = null;
                for (int j = i + 1; j < end && slot == null; j++)
                {
                    IReadOnlyList<int> keys = await KeysOfAsync(batch[j].Command, cancellationToken).ConfigureAwait(false);
                    if (keys.Count > 0)
                    {
                        slot = HashSlot.GetSlot(batch[j].Command.Arguments[keys[0]].Span);
                    }
                }

                for (int j = i; j <= end; j++)
                {
                    var part = new RoutedPart(batch[j].Command, slot, slot == null ? _topology.DefaultPrimary : null) { InTransaction = true };
                    plans[j] = new CommandPlan(batch[j].Command, new[] { part }, slot: slot);
                }

                i = end;
            }

            return plans;
        }

        /// <summary>Argument indices that decide the command's slot: its keys, or the channels of SPUBLISH and SSUBSCRIBE.</summary>
        public async Task<IReadOnlyList<int>> KeysOfAsync(RedisCommand command, CancellationToken cancellationToken)
        {
            KeyExtraction extraction = _commands.GetKeys(command);
            IReadOnlyList<int> keys = extraction.NeedsServerLookup
                ? await _serverKeys(command, cancellationToken).ConfigureAwait(false)
                : extraction.KeyIndices;
            return keys.Count == 0 && extraction.NotKeyIndices.Count > 0 ? extraction.NotKeyIndices : keys;
        }

        /// <summary>
        /// The route of <paramref name="command"/> (<paramref name="info"/>: its command table entry, null when the server
        /// does not know it) when it can be decided from the metadata alone; false when its keys must be asked of the
        /// server (COMMAND GETKEYS), which <see cref="DecideAsync"/> does. Keys at fixed positions in one slot, the common
        /// case, are decided without allocating.
        /// </summary>
        public bool TryDecide(RedisCommand command, CommandInfo? info, out CommandRoute route)
        {
            if (info == null)
            {
                // Unknown to this server: let the server say so.
                route = CommandRoute.Keyless(null, command.MayBlock);
                return true;
            }

            bool mayBlock = info.IsBlocking || command.MayBlock;
            bool preferReplica = _readFromReplica && info.IsReadOnly;
            if (info.HasFixedKeyRanges && KeyLocator.TryGetFixedRangeSlot(info, command, out int slot))
            {
                route = CommandRoute.SingleSlot(info, slot, preferReplica, mayBlock);
                return true;
            }

            if (command.Name == "SCAN")
            {
                route = CommandRoute.Scan(info);
                return true;
            }

            KeyExtraction extraction = KeyLocator.Locate(info, command);
            if (extraction.NeedsServerLookup)
            {
                route = default;
                return false;
            }

            route = FromKeys(command, info, SlotDeciding(extraction.KeyIndices, extraction), mayBlock, preferReplica);
            return true;
        }

        /// <summary>The one route decision for a command, asking the server for its keys where the metadata cannot tell.</summary>
        public async ValueTask<CommandRoute> DecideAsync(RedisCommand command, CommandInfo? info, CancellationToken cancellationToken)
        {
            if (TryDecide(command, info, out CommandRoute route))
            {
                return route;
            }

            IReadOnlyList<int> keys = await _serverKeys(command, cancellationToken).ConfigureAwait(false);
            return FromKeys(command, info!, SlotDeciding(keys, KeyLocator.Locate(info!, command)), info!.IsBlocking || command.MayBlock, _readFromReplica && info.IsReadOnly);
        }

        /// <summary>The plan that carries out <paramref name="route"/>: the parts on the wire and how their replies combine.</summary>
        public CommandPlan Plan(RedisCommand command, CommandRoute route)
        {
            switch (route.Kind)
            {
                case RouteKind.SingleSlot:
                    return new CommandPlan(command, new[] { new RoutedPart(command, route.Slot, preferReplica: route.PreferReplica) }, slot: route.Slot);
                case RouteKind.CrossSlot:
                    // Not splittable (atomic, or keys mixed with other arguments): the server's CROSSSLOT error, explained.
                    var plan = new CommandPlan(command, new[] { new RoutedPart(command, route.Slot, preferReplica: route.PreferReplica) }, slot: route.Slot);
                    IReadOnlyList<int> keys = route.Keys!;
                    plan.Explain = reply => CrossSlotExplainer.Explain(reply, command, keys, _topology.Slots);
                    return plan;
                case RouteKind.SplitBySlot:
                    return PlanSplit(command, route);
                case RouteKind.FanOut:
                    return FanOut(command, route.Info!, route.Info!.RequestPolicy == RequestPolicy.AllShards
                        ? OrderedPrimaries()
                        : _topology.Current.Nodes.Where(n => n.Health != ClusterNodeHealth.Failed).ToList());
                case RouteKind.Scan:
                    return PlanScan(command);
                default:
                    return Keyless(command);
            }
        }

        public async Task<CommandPlan> PlanAsync(RedisCommand command, CancellationToken cancellationToken)
            => Plan(command, await DecideAsync(command, _commands.Find(command), cancellationToken).ConfigureAwait(false));

        /// <summary>Sharded channels (SPUBLISH, SSUBSCRIBE) are flagged not_key but still decide the slot.</summary>
        private static IReadOnlyList<int> SlotDeciding(IReadOnlyList<int> keys, KeyExtraction extraction)
            => keys.Count == 0 && extraction.NotKeyIndices.Count > 0 ? extraction.NotKeyIndices : keys;

        // Keys a decision keeps its per-key numbers for on the stack; more than that (an MGET of thousands) on the heap.
        private const int StackKeys = 64;

        private static CommandRoute FromKeys(RedisCommand command, CommandInfo info, IReadOnlyList<int> keys, bool mayBlock, bool preferReplica)
        {
            if (keys.Count == 0)
            {
                return info.RequestPolicy == RequestPolicy.AllShards || info.RequestPolicy == RequestPolicy.AllNodes
                    ? CommandRoute.FanOut(info)
                    : CommandRoute.Keyless(info, mayBlock);
            }

            // On the stack for the usual handful of keys: the smart tunnel decides every multi-key command it relays here.
            Span<int> slots = keys.Count <= StackKeys ? stackalloc int[keys.Count] : new int[keys.Count];
            for (int i = 0; i < keys.Count; i++)
            {
                slots[i] = HashSlot.GetSlot(command.Arguments[keys[i]].Span);
            }

            if (AllEqual(slots))
            {
                return CommandRoute.SingleSlot(info, slots[0], preferReplica, mayBlock);
            }

            if (info.RequestPolicy == RequestPolicy.MultiShard && CanSplit(info.ResponsePolicy) && TrySplit(command, keys, slots, out List<SlotSplit>? splits))
            {
                return CommandRoute.Split(info, splits!, keys.Count, preferReplica, mayBlock);
            }

            return CommandRoute.CrossSlot(info, slots[0], keys, preferReplica, mayBlock);
        }

        /// <summary>
        /// Splitting changes nothing the caller can observe only when the replies add up or are all
        /// the same; an all-or-nothing command (MSETNX, agg_min) must not be split.
        /// </summary>
        private static bool CanSplit(ResponsePolicy policy)
            => policy == ResponsePolicy.Default || policy == ResponsePolicy.AggSum || policy == ResponsePolicy.AllSucceeded;

        /// <summary>Keys evenly spaced to the end of the command (each with step-1 values, as in MSET) can be split by slot.</summary>
        private static bool TrySplit(RedisCommand command, IReadOnlyList<int> keys, ReadOnlySpan<int> slots, out List<SlotSplit>? splits)
        {
            splits = null;
            int step = keys.Count > 1 ? keys[1] - keys[0] : 1;
            if (step < 1)
            {
                return false;
            }

            for (int i = 1; i < keys.Count; i++)
            {
                if (keys[i] - keys[i - 1] != step)
                {
                    return false;
                }
            }

            if (keys[keys.Count - 1] + step != command.Arguments.Count)
            {
                return false;
            }

            splits = SplitBySlot(command, keys, slots, step);
            return true;
        }

        private static CommandPlan PlanSplit(RedisCommand command, CommandRoute route)
        {
            var parts = new List<RoutedPart>();
            var partOrdinals = new List<IReadOnlyList<int>>();
            foreach (SlotSplit split in route.Splits!)
            {
                parts.Add(new RoutedPart(split.Command, split.Slot, preferReplica: route.PreferReplica));
                partOrdinals.Add(split.Ordinals);
            }

            int total = route.KeyCount;
            ResponsePolicy policy = route.Policy;
            Func<IReadOnlyList<RespValue>, RespValue> combine = policy == ResponsePolicy.Default
                ? replies => ReplyAggregator.ByKeyOrder(replies, partOrdinals, total)
                : replies => ReplyAggregator.Combine(policy, replies, Array.Empty<string>());
            return new CommandPlan(command, parts, combine);
        }

        /// <summary>
        /// One command per slot, in the order the slots first appear: the arguments before the first key,
        /// then each of that slot's keys with the <paramref name="step"/> - 1 values that follow it (MSET).
        /// </summary>
        private static List<SlotSplit> SplitBySlot(RedisCommand command, IReadOnlyList<int> keys, ReadOnlySpan<int> slots, int step)
        {
            // Each key's part, parts numbered in the order their slots first appear. Arrays, not a dictionary of
            // lists: the smart tunnel splits every cross-slot MGET it relays this way, and ten random keys are ten parts.
            Span<int> partOf = keys.Count <= StackKeys ? stackalloc int[keys.Count] : new int[keys.Count];
            var partSlots = new List<int>(keys.Count);
            Dictionary<int, int>? index = keys.Count > 16 ? new Dictionary<int, int>() : null;
            for (int i = 0; i < keys.Count; i++)
            {
                int part = index != null ? (index.TryGetValue(slots[i], out int known) ? known : -1) : partSlots.IndexOf(slots[i]);
                if (part < 0)
                {
                    part = partSlots.Count;
                    partSlots.Add(slots[i]);
                    index?.Add(slots[i], part);
                }

                partOf[i] = part;
            }

            Span<int> sizes = partSlots.Count <= StackKeys ? stackalloc int[partSlots.Count] : new int[partSlots.Count];
            foreach (int part in partOf)
            {
                sizes[part]++;
            }

            var ordinals = new int[partSlots.Count][];
            var args = new ReadOnlyMemory<byte>[partSlots.Count][];
            for (int p = 0; p < partSlots.Count; p++)
            {
                ordinals[p] = new int[sizes[p]];
                args[p] = new ReadOnlyMemory<byte>[keys[0] + (sizes[p] * step)];
                for (int a = 0; a < keys[0]; a++)
                {
                    args[p][a] = command.Arguments[a];
                }
            }

            // The sizes are in the ordinals' lengths now: the array counts each part's keys again as they are placed.
            Span<int> filled = sizes;
            filled.Clear();
            for (int i = 0; i < keys.Count; i++)
            {
                int p = partOf[i];
                int at = keys[0] + (filled[p] * step);
                for (int a = 0; a < step; a++)
                {
                    args[p][at + a] = command.Arguments[keys[i] + a];
                }

                ordinals[p][filled[p]++] = i;
            }

            var splits = new List<SlotSplit>(partSlots.Count);
            for (int p = 0; p < partSlots.Count; p++)
            {
                splits.Add(new SlotSplit(new RedisCommand(args[p], command.Name), partSlots[p], ordinals[p]));
            }

            return splits;
        }

        private static bool AllEqual(ReadOnlySpan<int> slots)
        {
            for (int i = 1; i < slots.Length; i++)
            {
                if (slots[i] != slots[0])
                {
                    return false;
                }
            }

            return true;
        }

        private CommandPlan Keyless(RedisCommand command)
        {
            return new CommandPlan(command, new[] { new RoutedPart(command, null, _topology.DefaultPrimary) });
        }

        private static CommandPlan FanOut(RedisCommand command, CommandInfo info, IReadOnlyList<ClusterNode> nodes)
        {
            var parts = nodes.Select(n => new RoutedPart(command, null, n.Endpoint)).ToList();
            nodes = nodes.Where(n => n.Endpoint != null).ToList();
            var names = nodes.Select(n => n.Endpoint!.ToString()).ToList();
            ResponsePolicy policy = info.ResponsePolicy;
            return new CommandPlan(command, parts, replies => ReplyAggregator.Combine(policy, replies, names));
        }

        private CommandPlan PlanScan(RedisCommand command)
        {
            List<ClusterNode> primaries = OrderedPrimaries();
            if (command.Arguments.Count < 2 || !ClusterScanCursor.TryParse(command.ArgumentText(1), out ulong nodeCursor, out int nodeIndex)
                || nodeIndex >= primaries.Count)
            {
                var invalid = new RoutedPart(command, null, primaries.Count > 0 ? primaries[0].Endpoint : null)
                {
                    Reply = RespValue.Error("ERR invalid cursor"),
                };
                return new CommandPlan(command, new[] { invalid });
            }

            var args = command.Arguments.ToArray();
            args[1] = System.Text.Encoding.ASCII.GetBytes(nodeCursor.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var part = new RoutedPart(new RedisCommand(args), null, primaries[nodeIndex].Endpoint);
            int count = primaries.Count;
            return new CommandPlan(command, new[] { part }, replies =>
            {
                RespValue reply = replies[0];
                if (reply.IsError || reply.Items.Count != 2)
                {
                    return reply;
                }

                ulong next = ulong.Parse(reply.Items[0].GetString() ?? "0", System.Globalization.CultureInfo.InvariantCulture);
                string cursor = next != 0 ? ClusterScanCursor.Format(next, nodeIndex)
                    : nodeIndex + 1 < count ? ClusterScanCursor.Format(0, nodeIndex + 1) : "0";
                return RespValue.Array(RespValue.BulkString(cursor), reply.Items[1]);
            });
        }

        /// <summary>
        /// Primaries that own slots, ordered by their first slot: stable across failovers, so SCAN cursors
        /// stay valid. A primary without slots holds no keys (a new node, or a replica whose role has not
        /// reached this node by gossip yet).
        /// </summary>
        public List<ClusterNode> OrderedPrimaries()
            => _topology.Current.Primaries.Where(n => n.Endpoint != null && n.Slots.Count > 0).OrderBy(n => n.Slots.Min(r => r.Start)).ToList();
    }
}
