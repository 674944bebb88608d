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
        public async Task<CommandPlan[]> PlanBatchAsync(IReadOnlyList<RedisCommand> commands, CancellationToken cancellationToken)
        {
            var plans = new CommandPlan[commands.Count];
            for (int i = 0; i < commands.Count; i++)
            {
                if (commands[i].Name != "MULTI")
                {
                    plans[i] = await PlanAsync(commands[i], cancellationToken).ConfigureAwait(false);
                    continue;
                }

                int end = i + 1;
                while (end < commands.Count && commands[end].Name != "EXEC" && commands[end].Name != "DISCARD")
                {
                    end++;
                }

                if (end == commands.Count)
                {
                    var refused = new RoutedPart(commands[i], null, _topology.DefaultPrimary)
                    {
                        Reply = RespValue.Error("ERR MULTI without EXEC in the same batch: in a cluster, send the whole transaction in one pipeline "
                            + "(for example 'MULTI', 'INCR {user:1}:visits', 'EXEC' | Invoke-RedisCommand) so it can be routed to the node that owns its keys"),
                    };
                    plans[i] = new CommandPlan(commands[i], new[] { refused });
                    continue;
                }

                int? slot = null;
                for (int j = i + 1; j < end && slot == null; j++)
                {
                    IReadOnlyList<int> keys = await KeysOfAsync(commands[j], cancellationToken).ConfigureAwait(false);
                    if (keys.Count > 0)
                    {
                        slot = HashSlot.GetSlot(commands[j].Arguments[keys[0]].Span);
                    }
                }

                for (int j = i; j <= end; j++)
                {
                    var part = new RoutedPart(commands[j], slot, slot == null ? _topology.DefaultPrimary : null) { InTransaction = true };
                    plans[j] = new CommandPlan(commands[j], new[] { part }, slot: slot);
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
        /// The slot of a command (<paramref name="info"/>: its entry in the command table) that needs no planning beyond it: a known, non-blocking command whose keys
        /// are all found from the metadata alone and share one slot, read from the primary. Such a command
        /// runs unchanged on the slot's owner and its reply needs no combining; false for anything else.
        /// </summary>
        public bool TryGetSingleSlot(RedisCommand command, CommandInfo? info, out int slot)
        {
            slot = -1;
            if (info == null || info.IsBlocking || command.MayBlock || (_readFromReplica && info.IsReadOnly))
            {
                return false;
            }

            if (info.HasFixedKeyRanges)
            {
                return KeyLocator.TryGetFixedRangeSlot(info, command, out slot);
            }

            KeyExtraction extraction = KeyLocator.Locate(info, command);
            if (extraction.NeedsServerLookup || extraction.KeyIndices.Count == 0)
            {
                return false;
            }

            IReadOnlyList<int> keys = extraction.KeyIndices;
            int first = HashSlot.GetSlot(command.Arguments[keys[0]].Span);
            for (int i = 1; i < keys.Count; i++)
            {
                if (HashSlot.GetSlot(command.Arguments[keys[i]].Span) != first)
                {
                    return false;
                }
            }

            slot = first;
            return true;
        }

        /// <summary>
        /// Splits MGET, EXISTS or TOUCH over several slots into one command per slot, keys in their order, for a
        /// relay that reassembles the replies itself. Only these: they read (or merely touch) their keys, so a
        /// part that has to run again, or the whole command run again, changes nothing. False for anything else.
        /// </summary>
        public bool TrySplitBySlot(RedisCommand command, out List<SlotSplit> parts)
        {
            parts = new List<SlotSplit>(0);
            string name = command.Name;
            if ((name != "MGET" && name != "EXISTS" && name != "TOUCH") || command.Arguments.Count < 3 || _readFromReplica)
            {
                return false;
            }

            var keys = new int[command.Arguments.Count - 1];
            var slots = new int[keys.Length];
            for (int i = 0; i < keys.Length; i++)
            {
                keys[i] = i + 1;
                slots[i] = HashSlot.GetSlot(command.Arguments[i + 1].Span);
            }

            parts = SplitBySlot(command, keys, slots, 1);
            return parts.Count > 1;
        }

        public async Task<CommandPlan> PlanAsync(RedisCommand command, CancellationToken cancellationToken)
        {
            CommandInfo? info = _commands.Find(command);
            if (info == null)
            {
                // Unknown to this server: let the server say so.
                return Keyless(command);
            }

            if (command.Name == "SCAN")
            {
                return PlanScan(command);
            }

            // Sharded channels (SPUBLISH, SSUBSCRIBE) are flagged not_key but still decide the slot.
            IReadOnlyList<int> keys = await KeysOfAsync(command, cancellationToken).ConfigureAwait(false);

            if (keys.Count == 0)
            {
                switch (info.RequestPolicy)
                {
                    case RequestPolicy.AllShards:
                        return FanOut(command, info, OrderedPrimaries());
                    case RequestPolicy.AllNodes:
                        return FanOut(command, info, _topology.Current.Nodes.Where(n => n.Health != ClusterNodeHealth.Failed).ToList());
                    default:
                        return Keyless(command);
                }
            }

            var slots = new int[keys.Count];
            for (int i = 0; i < keys.Count; i++)
            {
                slots[i] = HashSlot.GetSlot(command.Arguments[keys[i]].Span);
            }

            bool preferReplica = _readFromReplica && info.IsReadOnly;
            if (slots.All(s => s == slots[0]))
            {
                return new CommandPlan(command, new[] { new RoutedPart(command, slots[0], preferReplica: preferReplica) }, slot: slots[0]);
            }

            if (info.RequestPolicy == RequestPolicy.MultiShard && CanSplit(info.ResponsePolicy) && TrySplit(command, keys, slots, info, preferReplica, out CommandPlan? split))
            {
                return split!;
            }

            // Not splittable (atomic, or keys mixed with other arguments): the server's CROSSSLOT error, explained.
            var plan = new CommandPlan(command, new[] { new RoutedPart(command, slots[0], preferReplica: preferReplica) }, slot: slots[0]);
            plan.Explain = reply => CrossSlotExplainer.Explain(reply, command, keys, _topology.Slots);
            return plan;
        }

        /// <summary>
        /// Splitting changes nothing the caller can observe only when the replies add up or are all
        /// the same; an all-or-nothing command (MSETNX, agg_min) must not be split.
        /// </summary>
        private static bool CanSplit(ResponsePolicy policy)
            => policy == ResponsePolicy.Default || policy == ResponsePolicy.AggSum || policy == ResponsePolicy.AllSucceeded;

        private static bool TrySplit(RedisCommand command, IReadOnlyList<int> keys, int[] slots, CommandInfo info, bool preferReplica, out CommandPlan? plan)
        {
            plan = null;
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

            // Keys (each with step-1 trailing values, as in MSET) must run to the end of the command.
            if (keys[keys.Count - 1] + step != command.Arguments.Count)
            {
                return false;
            }

            var parts = new List<RoutedPart>();
            var partOrdinals = new List<IReadOnlyList<int>>();
            foreach (SlotSplit split in SplitBySlot(command, keys, slots, step))
            {
                parts.Add(new RoutedPart(split.Command, split.Slot, preferReplica: preferReplica));
                partOrdinals.Add(split.Ordinals);
            }

            int total = keys.Count;
            ResponsePolicy policy = info.ResponsePolicy;
            Func<IReadOnlyList<RespValue>, RespValue> combine = policy == ResponsePolicy.Default
                ? replies => ReplyAggregator.ByKeyOrder(replies, partOrdinals, total)
                : replies => ReplyAggregator.Combine(policy, replies, Array.Empty<string>());
            plan = new CommandPlan(command, parts, combine);
            return true;
        }

        /// <summary>
        /// One command per slot, in the order the slots first appear: the arguments before the first key,
        /// then each of that slot's keys with the <paramref name="step"/> - 1 values that follow it (MSET).
        /// </summary>
        private static List<SlotSplit> SplitBySlot(RedisCommand command, IReadOnlyList<int> keys, int[] slots, int step)
        {
            var order = new List<int>();
            var groups = new Dictionary<int, List<int>>();
            for (int i = 0; i < keys.Count; i++)
            {
                if (!groups.TryGetValue(slots[i], out List<int>? ordinals))
                {
                    ordinals = new List<int>();
                    groups[slots[i]] = ordinals;
                    order.Add(slots[i]);
                }

                ordinals.Add(i);
            }

            var splits = new List<SlotSplit>(order.Count);
            foreach (int slot in order)
            {
                var args = new List<ReadOnlyMemory<byte>>();
                for (int a = 0; a < keys[0]; a++)
                {
                    args.Add(command.Arguments[a]);
                }

                foreach (int ordinal in groups[slot])
                {
                    for (int a = 0; a < step; a++)
                    {
                        args.Add(command.Arguments[keys[ordinal] + a]);
                    }
                }

                splits.Add(new SlotSplit(new RedisCommand(args.ToArray()), slot, groups[slot]));
            }

            return splits;
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
