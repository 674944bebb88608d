using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Tunnel.Hosting;

namespace RedisCluster.Engine.Tunnel.Smart
{
    /// <summary>
    /// Keyless commands whose single-server answer is put together from every primary's: CONFIG RESETSTAT (every
    /// primary's counters, which INFO sums), RANDOMKEY (a node
    /// picked by its share of the keys), SLOWLOG (the nodes' logs as one, newest first) and FUNCTION STATS
    /// (the functions, loaded everywhere, counted once; the script running anywhere).
    /// </summary>
    internal static class SmartServerCommands
    {
        /// <summary>Attempts at RANDOMKEY before giving up, when keys expire or move between the count and the pick.</summary>
        private const int RandomKeyAttempts = 3;

        [ThreadStatic]
        private static Random? t_random;

        /// <summary>The answer to <paramref name="name"/> when it is one of these; null for the router to run it.</summary>
        public static async Task<RespValue?> AnswerAsync(SmartBackend backend, string name, byte[][] args, CancellationToken cancellationToken)
        {
            string sub = args.Length > 1 ? CommandNames.Of(args[1]) : string.Empty;
            try
            {
                switch (name)
                {
                    case "RANDOMKEY" when args.Length == 1:
                        return await RandomKeyAsync(backend, cancellationToken).ConfigureAwait(false);
                    case "SLOWLOG" when sub == "GET" || sub == "LEN":
                        return await SlowlogAsync(backend, args, sub, cancellationToken).ConfigureAwait(false);
                    case "CONFIG" when sub == "RESETSTAT" && args.Length == 2:
                        // Redis 7.0 gives it no fan-out tip, so the router would reset one primary; INFO sums them all.
                        return AllSucceeded(await SmartFanOut.OnEveryPrimaryAsync(backend, RedisCommand.Create("CONFIG", "RESETSTAT"), cancellationToken).ConfigureAwait(false));
                    case "FUNCTION" when sub == "STATS" && args.Length == 2:
                        return await FunctionStatsAsync(backend, cancellationToken).ConfigureAwait(false);
                    default:
                        return null;
                }
            }
            catch (RedisException ex)
            {
                return RespValue.Error("ERR tunnel: " + ErrorLines.OneLine(ex.Message));
            }
        }

        /// <summary>Picks a primary with probability proportional to its keys, so that an empty node never answers nil while keys exist.</summary>
        private static async Task<RespValue> RandomKeyAsync(SmartBackend backend, CancellationToken cancellationToken)
        {
            IReadOnlyList<RedisEndpoint> primaries = backend.Cluster.GetPrimaryEndpoints();
            for (int attempt = 0; attempt < RandomKeyAttempts; attempt++)
            {
                IReadOnlyList<RespValue> sizes = await SmartFanOut.OnEveryPrimaryAsync(backend, RedisCommand.Create("DBSIZE"), cancellationToken).ConfigureAwait(false);
                RespValue? error = sizes.FirstOrDefault(s => s.IsError);
                if (error != null)
                {
                    return error;
                }

                long total = sizes.Sum(s => Math.Max(0, s.Integer));
                if (total == 0)
                {
                    return RespValue.NullBulkString;
                }

                t_random ??= new Random();
                long pick = (long)(t_random.NextDouble() * total);
                int node = 0;
                while (node < sizes.Count - 1 && pick >= sizes[node].Integer)
                {
                    pick -= Math.Max(0, sizes[node].Integer);
                    node++;
                }

                IReadOnlyList<RedisReply> reply = await backend.Cluster.ExecuteOnNodeAsync(primaries[node], new[] { RedisCommand.Create("RANDOMKEY") }, cancellationToken).ConfigureAwait(false);
                if (!reply[0].Value.IsNull)
                {
                    return reply[0].Value;
                }
            }

            return RespValue.NullBulkString;
        }

        /// <summary>
        /// SLOWLOG GET [count] and LEN over the nodes' logs merged newest first (by time, each node's order
        /// kept) and held to slowlog-max-len, the length one server's log would have.
        /// </summary>
        private static async Task<RespValue> SlowlogAsync(SmartBackend backend, byte[][] args, string sub, CancellationToken cancellationToken)
        {
            long count = 10;
            if (sub == "GET" && args.Length == 3)
            {
                if (!long.TryParse(Encoding.ASCII.GetString(args[2]), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out count))
                {
                    return RespValue.Error("ERR value is not an integer or out of range");
                }

                if (count < -1)
                {
                    return RespValue.Error("ERR count should be greater than or equal to -1");
                }
            }
            else if (args.Length != 2)
            {
                return RespValue.Error("ERR unknown subcommand or wrong number of arguments for '" + Encoding.UTF8.GetString(args[1]) + "'. Try SLOWLOG HELP.");
            }

            IReadOnlyList<RedisEndpoint> primaries = backend.Cluster.GetPrimaryEndpoints();
            var commands = new[] { RedisCommand.Create("CONFIG", "GET", "slowlog-max-len"), RedisCommand.Create("SLOWLOG", "GET", "-1") };
            IReadOnlyList<RedisReply>[] replies = await Task.WhenAll(primaries.Select(
                primary => backend.Cluster.ExecuteOnNodeAsync(primary, commands, cancellationToken))).ConfigureAwait(false);
            RespValue? error = replies.SelectMany(r => r).Select(r => r.Value).FirstOrDefault(v => v.IsError);
            if (error != null)
            {
                return error;
            }

            long maxLength = long.MaxValue;
            RespValue config = replies[0][0].Value;
            IReadOnlyList<RespValue> pair = config.Items;
            if (pair.Count == 2 && long.TryParse(pair[1].GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long configured))
            {
                maxLength = configured;
            }

            // Entries: id, unix time, duration, arguments, client address, client name.
            IEnumerable<RespValue> merged = replies
                .SelectMany((r, node) => r[1].Value.Items.Select((entry, index) => (entry, node, index)))
                .OrderByDescending(e => e.entry.Items.Count > 1 ? e.entry.Items[1].Integer : 0)
                .ThenBy(e => e.index)
                .ThenBy(e => e.node)
                .Select(e => e.entry)
                .Take((int)Math.Min(maxLength, int.MaxValue));
            List<RespValue> log = merged.ToList();
            if (sub == "LEN")
            {
                return RespValue.FromInteger(log.Count);
            }

            return RespValue.Array(log.Take(count == -1 ? log.Count : (int)Math.Min(count, int.MaxValue)).ToArray());
        }

        /// <summary>FUNCTION STATS as one server: the engines' counts of the first primary (functions load on all), the running script of any.</summary>
        private static async Task<RespValue> FunctionStatsAsync(SmartBackend backend, CancellationToken cancellationToken)
        {
            IReadOnlyList<RespValue> replies = await SmartFanOut.OnEveryPrimaryAsync(backend, RedisCommand.Create("FUNCTION", "STATS"), cancellationToken).ConfigureAwait(false);
            RespValue? error = replies.FirstOrDefault(r => r.IsError);
            if (error != null)
            {
                return error;
            }

            RespValue running = RespValue.NullBulkString;
            foreach (RespValue reply in replies)
            {
                RespValue? script = Lookup(reply, "running_script");
                if (script != null && !script.IsNull)
                {
                    running = script;
                    break;
                }
            }

            return RespValue.Map(new[]
            {
                new KeyValuePair<RespValue, RespValue>(RespValue.BulkString("running_script"), running),
                new KeyValuePair<RespValue, RespValue>(RespValue.BulkString("engines"), Lookup(replies[0], "engines") ?? RespValue.Map(Array.Empty<KeyValuePair<RespValue, RespValue>>())),
            });
        }

        /// <summary>Every primary's reply when all are OK; the first error otherwise.</summary>
        private static RespValue AllSucceeded(IReadOnlyList<RespValue> replies) => replies.FirstOrDefault(r => r.IsError) ?? RespValue.Ok;

        /// <summary>A field of a map reply (its items alternate keys and values, as a RESP2 array's do).</summary>
        private static RespValue? Lookup(RespValue reply, string key)
            => reply.AsPairs().Where(p => p.Key == key).Select(p => (RespValue?)p.Value).FirstOrDefault();
    }
}
