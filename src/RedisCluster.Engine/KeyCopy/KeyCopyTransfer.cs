using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Client;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.KeyCopy
{
    /// <summary>
    /// Moves one batch of keys: DUMP and PTTL pipelined on the source, RESTORE pipelined on the destination
    /// (a cluster destination routes each RESTORE by the key's slot), then, for a move, the deletion of what was copied.
    /// </summary>
    internal sealed class KeyCopyTransfer
    {
        // A key is deleted only while it still holds the value that was copied: a write that reached the
        // source after the DUMP is kept there rather than lost.
        private const string DeleteIfUnchanged = "if redis.call('DUMP', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return -1";

        private static readonly byte[] Dump = Encoding.ASCII.GetBytes("DUMP");
        private static readonly byte[] Pttl = Encoding.ASCII.GetBytes("PTTL");
        private static readonly byte[] Restore = Encoding.ASCII.GetBytes("RESTORE");
        private static readonly byte[] ReplaceWord = Encoding.ASCII.GetBytes("REPLACE");
        private static readonly byte[] Eval = Encoding.ASCII.GetBytes("EVAL");
        private static readonly byte[] DeleteScript = Encoding.ASCII.GetBytes(DeleteIfUnchanged);
        private static readonly byte[] One = Encoding.ASCII.GetBytes("1");

        private readonly RedisClient _source;
        private readonly RedisClient _destination;
        private readonly KeyCopyOptions _options;
        private readonly KeyCopyFailures _failures;

        public KeyCopyTransfer(RedisClient source, RedisClient destination, KeyCopyOptions options, KeyCopyFailures failures)
        {
            _source = source;
            _destination = destination;
            _options = options;
            _failures = failures;
        }

        /// <summary>DUMP and PTTL of every key, in one pipelined round on the source.</summary>
        public async Task<DumpedBatch> DumpAsync(IReadOnlyList<byte[]> keys, CancellationToken cancellationToken)
        {
            var commands = new List<RedisCommand>(keys.Count * 2);
            foreach (byte[] key in keys)
            {
                commands.Add(Command(Dump, key));
                commands.Add(Command(Pttl, key));
            }

            IReadOnlyList<RedisReply> replies = await _source.ExecuteBatchAsync(commands, cancellationToken).ConfigureAwait(false);
            long receivedAt = Stopwatch.GetTimestamp();
            var dumped = new DumpedKey[keys.Count];
            for (int i = 0; i < keys.Count; i++)
            {
                RespValue dump = replies[2 * i].Value;
                RespValue pttl = replies[2 * i + 1].Value;
                string? error = dump.IsError ? "DUMP failed: " + dump.GetString()
                    : pttl.IsError ? "PTTL failed: " + pttl.GetString() : null;
                dumped[i] = new DumpedKey(keys[i], dump.IsError || dump.IsNull ? null : dump.GetBytes(), pttl.IsError ? -2 : pttl.Integer, error);
            }

            return new DumpedBatch(dumped, receivedAt);
        }

        /// <summary>RESTOREs a dumped batch on the destination and counts each key; with Delete, removes what was copied from the source.</summary>
        public async Task RestoreAsync(DumpedBatch batch, KeyCopyNodeCounters counters, CancellationToken cancellationToken)
        {
            // The TTL is what was left when PTTL answered, less the time the key has spent in this process
            // since: a copy never outlives its original by more than the network's one-way delays.
            long spentMs = (Stopwatch.GetTimestamp() - batch.ReceivedAt) * 1000 / Stopwatch.Frequency;
            var restores = new List<RedisCommand>(batch.Keys.Length);
            var sent = new List<int>(batch.Keys.Length);
            for (int i = 0; i < batch.Keys.Length; i++)
            {
                DumpedKey entry = batch.Keys[i];
                if (entry.Error != null)
                {
                    Fail(counters, entry.Key, entry.Error);
                    continue;
                }

                // PTTL: -1 without a TTL (RESTORE's 0), -2 when the key is gone.
                bool hasTtl = entry.Pttl >= 0;
                long ttl = hasTtl ? entry.Pttl - spentMs : 0;
                if (entry.Payload == null || entry.Pttl == -2 || (hasTtl && ttl <= 0))
                {
                    // A key that expired on the way is not restored with a TTL of 0, which would mean "no TTL".
                    counters.AddVanished(1);
                    continue;
                }

                var arguments = new List<byte[]>(5) { Restore, entry.Key, Encoding.ASCII.GetBytes(ttl.ToString(CultureInfo.InvariantCulture)), entry.Payload };
                if (_options.Replace)
                {
                    arguments.Add(ReplaceWord);
                }

                restores.Add(RedisCommand.Create(arguments));
                sent.Add(i);
            }

            if (restores.Count == 0)
            {
                return;
            }

            IReadOnlyList<RedisReply> replies = await _destination.ExecuteBatchAsync(restores, cancellationToken).ConfigureAwait(false);
            var copied = new List<DumpedKey>(restores.Count);
            for (int j = 0; j < replies.Count; j++)
            {
                DumpedKey entry = batch.Keys[sent[j]];
                RespValue reply = replies[j].Value;
                if (!reply.IsError)
                {
                    counters.AddCopied(1, entry.Payload!.Length);
                    copied.Add(entry);
                }
                else if (ErrorReplyClassifier.Classify(reply) == ErrorReplyKind.BusyKey)
                {
                    counters.AddExisting(1);
                }
                else if (DumpPayload.IsRejectedFormat(reply.GetString()))
                {
                    throw IncompatiblePayload(entry, counters.Node, replies[j].Endpoint.ToString());
                }
                else
                {
                    Fail(counters, entry.Key, "RESTORE failed on " + replies[j].Endpoint + ": " + reply.GetString());
                }
            }

            if (_options.Delete && copied.Count > 0)
            {
                await DeleteFromSourceAsync(copied, counters, cancellationToken).ConfigureAwait(false);
            }
        }

        private async Task DeleteFromSourceAsync(List<DumpedKey> copied, KeyCopyNodeCounters counters, CancellationToken cancellationToken)
        {
            var commands = new List<RedisCommand>(copied.Count);
            foreach (DumpedKey entry in copied)
            {
                commands.Add(RedisCommand.Create(new[] { Eval, DeleteScript, One, entry.Key, entry.Payload! }));
            }

            IReadOnlyList<RedisReply> replies = await _source.ExecuteBatchAsync(commands, cancellationToken).ConfigureAwait(false);
            for (int i = 0; i < replies.Count; i++)
            {
                RespValue reply = replies[i].Value;
                if (reply.IsError)
                {
                    _failures.Add(new KeyCopyFailure(KeyText(copied[i].Key), counters.Node, "copied, but not deleted from the source: " + reply.GetString()));
                }
                else if (reply.Integer == 1)
                {
                    counters.AddDeleted(1);
                }
                else if (reply.Integer == -1)
                {
                    _failures.Add(new KeyCopyFailure(KeyText(copied[i].Key), counters.Node,
                        "changed on the source after it was copied: kept there, and the destination has the earlier value."));
                }
            }
        }

        private KeyCopyException IncompatiblePayload(DumpedKey entry, string sourceNode, string destinationNode)
        {
            int? format = DumpPayload.RdbVersion(entry.Payload!);
            return new KeyCopyException(KeyCopyRefusal.IncompatiblePayload,
                "RESTORE on " + destinationNode + " (" + _destination.Hello.Server + " " + _destination.Hello.Version + ") rejected the DUMP payload of '"
                + KeyText(entry.Key) + "' from " + sourceNode + " (" + _source.Hello.Server + " " + _source.Hello.Version
                + (format.HasValue ? ", RDB format " + format.Value.ToString(CultureInfo.InvariantCulture) : string.Empty)
                + "): a server reads DUMP payloads of its own RDB format or older only, so keys cannot be copied with DUMP/RESTORE from a newer Redis into an older one. "
                + "Upgrade the destination to the source's version or later. The copy stopped; keys already copied stay on the destination.");
        }

        private void Fail(KeyCopyNodeCounters counters, byte[] key, string message)
        {
            counters.AddFailed(1);
            _failures.Add(new KeyCopyFailure(KeyText(key), counters.Node, message));
        }

        internal static string KeyText(byte[] key) => Encoding.UTF8.GetString(key);

        private static RedisCommand Command(byte[] name, byte[] key) => RedisCommand.Create(new[] { name, key });
    }
}
