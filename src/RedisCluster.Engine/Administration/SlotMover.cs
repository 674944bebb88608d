using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Administration
{
    /// <summary>
    /// Moves one slot between two primaries the way the Redis Cluster specification orders it:
    /// IMPORTING on the destination, MIGRATING on the source, the keys with MIGRATE until the source
    /// has none left, then SETSLOT NODE on the destination, the source and every other primary. Stopped
    /// half-way, the slot stays open on both sides with each key on exactly one of them, which is
    /// the state Test-RedisCluster -Fix finishes.
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

        /// <summary>Moves <paramref name="slot"/> from <paramref name="source"/> to <paramref name="destination"/>; returns the keys moved.</summary>
        public async Task<long> MoveAsync(int slot, NodeSession source, string sourceId, NodeSession destination, string destinationId,
            IReadOnlyList<NodeSession> otherPrimaries, Action<long> keysMoved, CancellationToken cancellationToken)
        {
            string s = slot.ToString(CultureInfo.InvariantCulture);
            await destination.RunAsync(cancellationToken, "CLUSTER", "SETSLOT", s, "IMPORTING", sourceId).ConfigureAwait(false);
            await source.RunAsync(cancellationToken, "CLUSTER", "SETSLOT", s, "MIGRATING", destinationId).ConfigureAwait(false);
            long moved = await MigrateKeysAsync(slot, source, destination, keysMoved, cancellationToken).ConfigureAwait(false);
            await AssignAsync(slot, destinationId, destination, source, otherPrimaries, cancellationToken).ConfigureAwait(false);
            return moved;
        }

        /// <summary>MIGRATEs every key of the slot from <paramref name="source"/> to <paramref name="destination"/>, batch by batch.</summary>
        public async Task<long> MigrateKeysAsync(int slot, NodeSession source, NodeSession destination, Action<long> keysMoved, CancellationToken cancellationToken)
        {
            string s = slot.ToString(CultureInfo.InvariantCulture);
            string perRound = (_options.KeysPerBatch * _options.Pipeline).ToString(CultureInfo.InvariantCulture);
            byte[] host = Bytes(destination.Endpoint.Host);
            byte[] port = Bytes(destination.Endpoint.Port.ToString(CultureInfo.InvariantCulture));
            byte[] timeout = Bytes(((long)_options.MigrateTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
            long moved = 0;
            while (true)
            {
                RespValue keys = await source.RunAsync(cancellationToken, "CLUSTER", "GETKEYSINSLOT", s, perRound).ConfigureAwait(false);
                if (keys.Items.Count == 0)
                {
                    return moved;
                }

                var commands = new List<RedisCommand>();
                for (int first = 0; first < keys.Items.Count; first += _options.KeysPerBatch)
                {
                    var arguments = new List<byte[]> { Bytes("MIGRATE"), host, port, Array.Empty<byte>(), Bytes("0"), timeout };
                    arguments.AddRange(_auth);
                    arguments.Add(Bytes("KEYS"));
                    arguments.AddRange(keys.Items.Skip(first).Take(_options.KeysPerBatch).Select(k => k.GetBytes() ?? Array.Empty<byte>()));
                    commands.Add(RedisCommand.Create(arguments));
                }

                RedisReply[] replies = await source.Connection.ExecuteBatchAsync(commands, cancellationToken).ConfigureAwait(false);
                foreach (RedisReply reply in replies)
                {
                    if (reply.Value.IsError)
                    {
                        throw MigrateFailed(slot, source, destination, reply);
                    }
                }

                moved += keys.Items.Count;
                keysMoved(keys.Items.Count);
                if (keys.Items.Count < _options.KeysPerBatch * _options.Pipeline)
                {
                    // A source that migrates a slot takes no new key of it (ASK sends writers of new keys to the
                    // destination), so a short answer was the last of its keys: asking again would only confirm it.
                    return moved;
                }
            }
        }

        /// <summary>
        /// Gives the slot to <paramref name="ownerId"/>: the new owner first (so it serves the slot before anyone
        /// sends clients there), then the old one, then the others, which would also learn it by gossip.
        /// </summary>
        public static async Task AssignAsync(int slot, string ownerId, NodeSession owner, NodeSession? previous, IReadOnlyList<NodeSession> otherPrimaries, CancellationToken cancellationToken)
        {
            string s = slot.ToString(CultureInfo.InvariantCulture);
            await owner.RunAsync(cancellationToken, "CLUSTER", "SETSLOT", s, "NODE", ownerId).ConfigureAwait(false);
            if (previous != null)
            {
                await previous.RunAsync(cancellationToken, "CLUSTER", "SETSLOT", s, "NODE", ownerId).ConfigureAwait(false);
            }

            await Task.WhenAll(otherPrimaries.Where(p => !ReferenceEquals(p, owner) && !ReferenceEquals(p, previous))
                .Select(p => p.TryRunAsync(cancellationToken, "CLUSTER", "SETSLOT", s, "NODE", ownerId))).ConfigureAwait(false);
        }

        private static AdministrationException MigrateFailed(int slot, NodeSession source, NodeSession destination, RedisReply reply)
        {
            string message = reply.Command.Scrub(reply.Value.GetString() ?? string.Empty);
            string hint = ErrorReplyClassifier.Classify(reply.Value) == ErrorReplyKind.BusyKey
                ? " The destination already holds a key of this slot under the same name; the slot stays open (Test-RedisCluster shows it) until that key is removed from one side and the move is run again or fixed."
                : " The slot stays open; Test-RedisCluster -Fix finishes the move.";
            return new AdministrationException(AdministrationFailure.CommandFailed, source.Endpoint.ToString(),
                "MIGRATE of slot " + slot + " from " + source.Endpoint + " to " + destination.Endpoint + " failed: " + message + "." + hint);
        }

        private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);
    }
}
