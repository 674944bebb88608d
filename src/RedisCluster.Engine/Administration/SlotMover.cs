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
        /// sends clients there), then the old one, then the others, which would also learn it by gossip.
        /// </summary>
        public static async Task AssignAsync(IReadOnlyList<int> slots, string ownerId, NodeSession owner, NodeSession? previous, IReadOnlyList<NodeSession> otherPrimaries, CancellationToken cancellationToken)
        {
            List<string[]> commands = slots.Select(s => SetSlot(s, "NODE", ownerId)).ToList();
            await owner.RunPipelinedAsync(commands, cancellationToken).ConfigureAwait(false);
            if (previous != null)
            {
                await previous.RunPipelinedAsync(commands, cancellationToken).ConfigureAwait(false);
            }

            // Best effort: a primary that refuses or misses it learns the new owner by gossip (the epoch bump).
            List<RedisCommand> batch = commands.Select(RedisCommand.Create).ToList();
            await Task.WhenAll(otherPrimaries.Where(p => !ReferenceEquals(p, owner) && !ReferenceEquals(p, previous))
                .Select(p => p.Connection.ExecuteBatchAsync(batch, cancellationToken))).ConfigureAwait(false);
        }

        /// <summary>The measured variant of <see cref="AssignAsync(IReadOnlyList{int}, string, NodeSession, NodeSession?, IReadOnlyList{NodeSession}, CancellationToken)"/>.</summary>
        public async Task AssignMeasuredAsync(IReadOnlyList<int> slots, string ownerId, NodeSession owner, NodeSession previous, IReadOnlyList<NodeSession> otherPrimaries, CancellationToken cancellationToken)
        {
            using (Phases.Measure(SlotMovePhase.Assign))
            {
                await AssignAsync(slots, ownerId, owner, previous, otherPrimaries, cancellationToken).ConfigureAwait(false);
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
