using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Administration
{
    /// <summary>
    /// The steps of moving slots between two primaries in the order of the Redis Cluster specification:
    /// IMPORTING on the destination, MIGRATING on the source, the keys with MIGRATE until the source has
    /// none left, then SETSLOT NODE on the destination, the source and every other primary. Each step
    /// takes a group of slots and sends the group's commands to a node in one pipeline, so a group costs
    /// the round trips of one slot (the round trips, not the servers, bounded a slot-by-slot move).
    /// Stopped half-way, the group's slots stay open on both sides with each key on exactly one of them,
    /// which is the state Test-RedisCluster -Fix finishes.
    /// </summary>
    internal sealed class SlotMover
    {
        /// <summary>How long a primary may take to hear a new owner claim its slots before it is told by SETSLOT instead.</summary>
        private static readonly TimeSpan HearingTimeout = TimeSpan.FromSeconds(2);

        private readonly SlotMoveOptions _options;
        private readonly byte[][] _auth;

        public SlotMover(AdministrationContext context, SlotMoveOptions options)
        {
            _options = options;
            // MIGRATE opens its own connection from the source to the destination, so it must log in as the
            // administrator did; the command carrying the password is shown only through SecretArguments.
            System.Net.NetworkCredential? credential = context.Connector.Options.Credential;
            _auth = credential == null
                ? new byte[0][]
                : new[] { Bytes("AUTH2"), Bytes(string.IsNullOrEmpty(credential.UserName) ? "default" : credential.UserName), Bytes(credential.Password) };
        }

        /// <summary>Where the time of the moves went, summed over every group.</summary>
        public SlotMovePhases Phases { get; } = new SlotMovePhases();

        /// <summary>Opens the slots: IMPORTING on the destination first (so it takes the ASK redirects MIGRATING starts), then MIGRATING on the source.</summary>
        public async Task OpenAsync(IReadOnlyList<int> slots, NodeSession source, string sourceId, NodeSession destination, string destinationId, CancellationToken cancellationToken)
        {
            using (Phases.Measure(SlotMovePhase.Open))
            {
                await destination.RunPipelinedAsync(slots.Select(s => SetSlot(s, "IMPORTING", sourceId)).ToList(), cancellationToken).ConfigureAwait(false);
                await source.RunPipelinedAsync(slots.Select(s => SetSlot(s, "MIGRATING", destinationId)).ToList(), cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>MIGRATEs every key of the slot from <paramref name="source"/> to <paramref name="destination"/>, batch by batch.</summary>
        public async Task<long> MigrateKeysAsync(int slot, NodeSession source, NodeSession destination, Action<long> keysMoved, CancellationToken cancellationToken)
            => (await MigrateKeysAsync(new[] { slot }, source, destination, (_, more) => keysMoved(more), cancellationToken).ConfigureAwait(false))[0];

        /// <summary>
        /// MIGRATEs every key of the slots: each round asks the source for the next keys of every slot that has
        /// more in one pipeline, then sends the MIGRATEs (one per slot and batch of keys, MIGRATE refuses keys
        /// of several slots) <see cref="SlotMoveOptions.Pipeline"/> at a time. Returns the keys moved per slot.
        /// </summary>
        public async Task<long[]> MigrateKeysAsync(IReadOnlyList<int> slots, NodeSession source, NodeSession destination, Action<int, long> keysMoved, CancellationToken cancellationToken)
        {
            int perRound = _options.KeysPerBatch * _options.Pipeline;
            string count = perRound.ToString(CultureInfo.InvariantCulture);
            var target = new MigrateTarget(Bytes(destination.Endpoint.Host), Bytes(destination.Endpoint.Port.ToString(CultureInfo.InvariantCulture)),
                Bytes(((long)_options.MigrateTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)));
            var moved = new long[slots.Count];
            List<int> pending = Enumerable.Range(0, slots.Count).ToList();
            while (pending.Count > 0)
            {
                RespValue[] keyLists;
                using (Phases.Measure(SlotMovePhase.ListKeys))
                {
                    keyLists = await source.RunPipelinedAsync(pending.Select(i => new[] { "CLUSTER", "GETKEYSINSLOT", Text(slots[i]), count }).ToList(), cancellationToken).ConfigureAwait(false);
                }

                var migrates = new List<(int Index, int Keys, RedisCommand Command)>();
                var more = new List<int>();
                for (int k = 0; k < pending.Count; k++)
                {
                    IReadOnlyList<RespValue> keys = keyLists[k].Items;
                    for (int first = 0; first < keys.Count; first += _options.KeysPerBatch)
                    {
                        int take = Math.Min(_options.KeysPerBatch, keys.Count - first);
                        migrates.Add((pending[k], take, Migrate(target, keys, first, take)));
                    }

                    // A source that migrates a slot takes no new key of it (ASK sends writers of new keys to the
                    // destination), so a short answer was the last of its keys: asking again would only confirm it.
                    if (keys.Count == perRound)
                    {
                        more.Add(pending[k]);
                    }
                }

                using (Phases.Measure(SlotMovePhase.Migrate))
                {
                    for (int first = 0; first < migrates.Count; first += _options.Pipeline)
                    {
                        var chunk = migrates.Skip(first).Take(_options.Pipeline).ToList();
                        RedisReply[] replies = await source.Connection.ExecuteBatchAsync(chunk.Select(m => m.Command).ToList(), cancellationToken).ConfigureAwait(false);
                        for (int i = 0; i < replies.Length; i++)
                        {
                            if (replies[i].Value.IsError)
                            {
                                throw MigrateFailed(slots[chunk[i].Index], source, destination, replies[i]);
                            }

                            moved[chunk[i].Index] += chunk[i].Keys;
                            keysMoved(slots[chunk[i].Index], chunk[i].Keys);
                        }
                    }
                }

                pending = more;
            }

            return moved;
        }

        /// <summary>Gives one slot to <paramref name="ownerId"/> (see the overload for a group).</summary>
        public static Task AssignAsync(int slot, string ownerId, NodeSession owner, NodeSession? previous, IReadOnlyList<NodeSession> otherPrimaries, CancellationToken cancellationToken)
            => AssignAsync(new[] { slot }, ownerId, owner, previous, otherPrimaries, cancellationToken);

        /// <summary>
        /// Gives the slots to <paramref name="ownerId"/>: the new owner first (so it serves them before anyone
        /// sends clients there), then, once every other primary has heard the new owner claim them, the old
        /// owner and the others, which closes their MIGRATING marks and tells any that did not hear it.
        /// </summary>
        public static async Task AssignAsync(IReadOnlyList<int> slots, string ownerId, NodeSession owner, NodeSession? previous, IReadOnlyList<NodeSession> otherPrimaries, CancellationToken cancellationToken)
        {
            List<string[]> commands = slots.Select(s => SetSlot(s, "NODE", ownerId)).ToList();
            await owner.RunPipelinedAsync(commands, cancellationToken).ConfigureAwait(false);

            // The new owner announces each slot of the group as it takes it, so the others hear a run of partial
            // claims (the group's first slot, then the first two, ...). A node told the whole group by SETSLOT
            // before it hears that run marks the slots a partial claim leaves out as "owner not claiming"
            // (Redis 7.0), and the mark outlives later moves: when the slot moves to that node some day, a
            // claim the old owner sent just before it let go takes the slot back, deleting the keys just moved
            // in, and the node then believes the old owner holds it while everyone else believes the node does.
            // Heard from the new owner first, the claims only ever add slots, and nothing is marked.
            List<NodeSession> others = otherPrimaries.Where(p => !ReferenceEquals(p, owner) && !ReferenceEquals(p, previous)).ToList();
            IEnumerable<NodeSession> listeners = previous == null ? others : others.Prepend(previous);
            await Task.WhenAll(listeners.Select(p => WaitUntilHeardAsync(p, ownerId, slots, cancellationToken))).ConfigureAwait(false);

            if (previous != null)
            {
                await previous.RunPipelinedAsync(commands, cancellationToken).ConfigureAwait(false);
            }

            // Best effort: a primary that refuses or misses it learns the new owner by gossip (the epoch bump).
            List<RedisCommand> batch = commands.Select(RedisCommand.Create).ToList();
            await Task.WhenAll(others.Select(p => p.Connection.ExecuteBatchAsync(batch, cancellationToken))).ConfigureAwait(false);
        }

        /// <summary>The measured variant of <see cref="AssignAsync(IReadOnlyList{int}, string, NodeSession, NodeSession?, IReadOnlyList{NodeSession}, CancellationToken)"/>.</summary>
        public async Task AssignMeasuredAsync(IReadOnlyList<int> slots, string ownerId, NodeSession owner, NodeSession previous, IReadOnlyList<NodeSession> otherPrimaries, CancellationToken cancellationToken)
        {
            using (Phases.Measure(SlotMovePhase.Assign))
            {
                await AssignAsync(slots, ownerId, owner, previous, otherPrimaries, cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>
        /// Waits until <paramref name="node"/> shows <paramref name="ownerId"/> holding every one of the slots, for
        /// at most <see cref="HearingTimeout"/>: a node that does not hear it in time (its link down, an epoch that
        /// does not win) is told by SETSLOT all the same, as before. A node that cannot be asked is left to that too.
        /// </summary>
        private static async Task WaitUntilHeardAsync(NodeSession node, string ownerId, IReadOnlyList<int> slots, CancellationToken cancellationToken)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            int pause = 1;
            for (int attempt = 0; ; attempt++)
            {
                IReadOnlyList<Cluster.ClusterNode> view;
                try
                {
                    view = await node.ClusterNodesAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (!(e is OperationCanceledException))
                {
                    return;
                }

                Cluster.ClusterNode? owner = view.FirstOrDefault(n => n.Id == ownerId);
                if (owner != null && slots.All(s => owner.Slots.Any(r => r.Contains(s))))
                {
                    return;
                }

                if (clock.Elapsed >= HearingTimeout)
                {
                    return;
                }

                // The claims are on their way already (the owner sends them on its next loop turn): a few asks at
                // once usually meet them, where even the shortest timer costs a millisecond per group.
                if (attempt >= 3)
                {
                    await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
                    pause = Math.Min(pause * 2, 50);
                }
            }
        }

        private RedisCommand Migrate(MigrateTarget target, IReadOnlyList<RespValue> keys, int first, int count)
        {
            var arguments = new List<byte[]>(8 + _auth.Length + count) { Bytes("MIGRATE"), target.Host, target.Port, Array.Empty<byte>(), Bytes("0"), target.Timeout };
            if (_options.Replace)
            {
                arguments.Add(Bytes("REPLACE"));
            }

            arguments.AddRange(_auth);
            arguments.Add(Bytes("KEYS"));
            for (int i = first; i < first + count; i++)
            {
                arguments.Add(keys[i].GetBytes() ?? Array.Empty<byte>());
            }

            return RedisCommand.Create(arguments);
        }

        private static string[] SetSlot(int slot, string state, string nodeId) => new[] { "CLUSTER", "SETSLOT", Text(slot), state, nodeId };

        private static AdministrationException MigrateFailed(int slot, NodeSession source, NodeSession destination, RedisReply reply)
        {
            string message = reply.Command.Scrub(reply.Value.GetString() ?? string.Empty);
            // MIGRATE wraps the destination's error ("ERR Target instance replied with error: BUSYKEY ..."), so its
            // first word is ERR: the wrapped kind is found in the text.
            string hint = message.IndexOf("BUSYKEY", StringComparison.Ordinal) >= 0
                ? " The destination already holds a key of this slot under the same name; the slot stays open (Test-RedisCluster shows it) until that key is removed from one side and the move is fixed (Test-RedisCluster -Fix). To overwrite such keys with the source's, move with -Replace."
                : " The slot stays open; Test-RedisCluster -Fix finishes the move.";
            return new AdministrationException(AdministrationFailure.CommandFailed, source.Endpoint.ToString(),
                "MIGRATE of slot " + slot + " from " + source.Endpoint + " to " + destination.Endpoint + " failed: " + message + "." + hint);
        }

        private static string Text(int slot) => slot.ToString(CultureInfo.InvariantCulture);

        private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

        private sealed class MigrateTarget
        {
            public MigrateTarget(byte[] host, byte[] port, byte[] timeout)
            {
                Host = host;
                Port = port;
                Timeout = timeout;
            }

            public byte[] Host { get; }

            public byte[] Port { get; }

            public byte[] Timeout { get; }
        }
    }
}
