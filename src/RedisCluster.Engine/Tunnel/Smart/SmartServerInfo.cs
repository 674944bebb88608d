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
    /// INFO through the smart tunnel: the sections one server would show, put together from every primary's
    /// INFO (the same sections asked of each). Where a sum means something it is the sum (keys per database,
    /// blocked clients, stats counters, memory, error and command counts); the application's own connections
    /// are the tunnel's; the rest, which describes one process, is the first primary's.
    /// </summary>
    internal static class SmartServerInfo
    {
        /// <summary>Runs INFO with <paramref name="args"/> on every primary and merges the replies.</summary>
        public static async Task<RespValue> RunAsync(SmartBackend backend, byte[][] args, SmartServerFacts facts, CancellationToken cancellationToken)
        {
            IReadOnlyList<RespValue> replies;
            try
            {
                replies = await SmartFanOut.OnEveryPrimaryAsync(backend, RedisCommand.Create(args), cancellationToken).ConfigureAwait(false);
            }
            catch (RedisException ex)
            {
                return RespValue.Error("ERR tunnel: " + ErrorLines.OneLine(ex.Message));
            }

            RespValue? error = replies.FirstOrDefault(r => r.IsError);
            return error ?? RespValue.BulkString(Merge(replies.Select(r => r.GetString() ?? string.Empty).ToList(), facts));
        }

        /// <summary>Merges the INFO texts of the primaries (first primary first) into one server's INFO text.</summary>
        internal static string Merge(IReadOnlyList<string> texts, SmartServerFacts facts)
        {
            // Section name -> field -> each node's value (null where a node has no such field).
            var sections = new List<(string Name, List<(string Field, string?[] Values)> Fields)>();
            for (int node = 0; node < texts.Count; node++)
            {
                List<(string Field, string?[] Values)>? current = null;
                foreach (string raw in texts[node].Split('\n'))
                {
                    string line = raw.TrimEnd('\r');
                    if (line.StartsWith("# ", StringComparison.Ordinal))
                    {
                        string name = line.Substring(2);
                        int at = sections.FindIndex(s => s.Name == name);
                        if (at < 0)
                        {
                            sections.Add((name, new List<(string, string?[])>()));
                            at = sections.Count - 1;
                        }

                        current = sections[at].Fields;
                        continue;
                    }

                    int colon = line.IndexOf(':');
                    if (current == null || colon <= 0)
                    {
                        continue;
                    }

                    string field = line.Substring(0, colon);
                    int index = current.FindIndex(f => f.Field == field);
                    if (index < 0)
                    {
                        current.Add((field, new string?[texts.Count]));
                        index = current.Count - 1;
                    }

                    current[index].Values[node] = line.Substring(colon + 1);
                }
            }

            var text = new StringBuilder();
            foreach (var (name, fields) in sections)
            {
                if (text.Length > 0)
                {
                    text.Append("\r\n");
                }

                text.Append("# ").Append(name).Append("\r\n");
                var merged = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (field, values) in fields)
                {
                    string? value = Combine(name, field, values, facts, merged);
                    if (value != null)
                    {
                        merged[field] = value;
                        text.Append(field).Append(':').Append(value).Append("\r\n");
                    }
                }
            }

            return text.ToString();
        }

        /// <summary>One field's value for the merged INFO; null to leave the field out.</summary>
        private static string? Combine(string section, string field, string?[] values, SmartServerFacts facts, Dictionary<string, string> merged)
        {
            string first = values.First(v => v != null)!;
            switch (section)
            {
                case "Server":
                    return field == "redis_mode" ? "standalone" : field == "tcp_port" ? Number(facts.ListenPort) : first;
                case "Clients":
                    switch (field)
                    {
                        case "connected_clients": return Number(facts.ConnectedClients);
                        case "maxclients": return Number(facts.MaxClients);
                        case "tracking_clients": return Number(facts.Tracking.Clients);
                        case "cluster_connections": return null;
                        case "client_recent_max_input_buffer":
                        case "client_recent_max_output_buffer": return Max(values) ?? first;
                        default: return SumIntegers(values) ?? first;
                    }

                case "Memory":
                    if (field.EndsWith("_human", StringComparison.Ordinal))
                    {
                        string basis = field.Substring(0, field.Length - "_human".Length);
                        return merged.TryGetValue(basis, out string? bytes) && long.TryParse(bytes, NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) ? Human(n) : first;
                    }

                    switch (field)
                    {
                        case "maxmemory":
                        case "total_system_memory":
                            return first;
                        case "number_of_cached_scripts":
                        case "number_of_functions":
                        case "number_of_libraries":
                            // Scripts and functions are loaded on every primary: one server holds them once.
                            return Max(values) ?? first;
                        default:
                            // Ratios and percentages are the first primary's; byte counts add up.
                            return SumIntegers(values) ?? first;
                    }

                case "Persistence":
                    return field == "rdb_changes_since_last_save" ? SumIntegers(values) ?? first
                        : field.EndsWith("_in_progress", StringComparison.Ordinal) || field == "loading" ? Max(values) ?? first
                        : first;
                case "Stats":
                    switch (field)
                    {
                        case "total_connections_received": return Number(facts.TotalConnections);
                        case "rejected_connections": return Number(facts.RejectedConnections);
                        case "tracking_total_keys": return Number(facts.Tracking.Keys);
                        case "tracking_total_items": return Number(facts.Tracking.Items);
                        case "tracking_total_prefixes": return Number(facts.Tracking.Prefixes);
                        case "latest_fork_usec":
                        case "current_eviction_exceeded_time":
                            return Max(values) ?? first;
                        case "expired_stale_perc":
                            return first;
                        default:
                            return SumIntegers(values) ?? SumDecimals(values) ?? first;
                    }

                case "CPU":
                    return SumDecimals(values) ?? first;
                case "Cluster":
                    return field == "cluster_enabled" ? "0" : first;
                case "Keyspace":
                    return Keyspace(values);
                case "Errorstats":
                    return SumSubfields(values, null);
                case "Commandstats":
                    return SumSubfields(values, "usec_per_call");
                default:
                    return first;
            }
        }

        /// <summary>db0:keys=..,expires=..,avg_ttl=..: keys and expires add up, the average TTL weighs by expires.</summary>
        private static string Keyspace(string?[] values)
        {
            long keys = 0, expires = 0;
            double ttlWeight = 0;
            foreach (string? value in values)
            {
                Dictionary<string, string> parts = Subfields(value);
                long k = Long(parts, "keys"), e = Long(parts, "expires");
                keys += k;
                expires += e;
                ttlWeight += (double)Long(parts, "avg_ttl") * e;
            }

            long ttl = expires > 0 ? (long)Math.Round(ttlWeight / expires) : 0;
            return "keys=" + Number(keys) + ",expires=" + Number(expires) + ",avg_ttl=" + Number(ttl);
        }

        /// <summary>
        /// name=value lists whose integers add up (errorstat counts; cmdstat calls, usec, rejected and failed
        /// calls); <paramref name="perCall"/> is recomputed as usec per call, with Redis's two decimals.
        /// </summary>
        private static string SumSubfields(string?[] values, string? perCall)
        {
            var order = new List<string>();
            var sums = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (string? value in values)
            {
                foreach (KeyValuePair<string, string> pair in Subfields(value))
                {
                    if (!sums.ContainsKey(pair.Key))
                    {
                        order.Add(pair.Key);
                        sums[pair.Key] = 0;
                    }

                    if (long.TryParse(pair.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out long n))
                    {
                        sums[pair.Key] += n;
                    }
                }
            }

            return string.Join(",", order.Select(key => key + "=" + (key == perCall
                ? (sums.TryGetValue("calls", out long calls) && calls > 0 ? (double)sums["usec"] / calls : 0).ToString("0.00", CultureInfo.InvariantCulture)
                : Number(sums[key]))));
        }

        private static Dictionary<string, string> Subfields(string? value)
        {
            var parts = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string part in (value ?? string.Empty).Split(','))
            {
                int eq = part.IndexOf('=');
                if (eq > 0)
                {
                    parts[part.Substring(0, eq)] = part.Substring(eq + 1);
                }
            }

            return parts;
        }

        private static long Long(Dictionary<string, string> parts, string key)
            => parts.TryGetValue(key, out string? text) && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) ? n : 0;

        /// <summary>The sum when every value present is an integer; null otherwise.</summary>
        private static string? SumIntegers(string?[] values)
        {
            long sum = 0;
            foreach (string? value in values)
            {
                if (value == null)
                {
                    continue;
                }

                if (!long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n))
                {
                    return null;
                }

                sum += n;
            }

            return Number(sum);
        }

        /// <summary>The sum of decimal values, with as many decimals as the values have; null when one is not a number.</summary>
        private static string? SumDecimals(string?[] values)
        {
            decimal sum = 0;
            int decimals = 0;
            foreach (string? value in values)
            {
                if (value == null)
                {
                    continue;
                }

                if (!decimal.TryParse(value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal n))
                {
                    return null;
                }

                int dot = value.IndexOf('.');
                decimals = Math.Max(decimals, dot < 0 ? 0 : value.Length - dot - 1);
                sum += n;
            }

            return sum.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        }

        private static string? Max(string?[] values)
        {
            long? max = null;
            foreach (string? value in values)
            {
                if (value != null && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n))
                {
                    max = max == null ? n : Math.Max(max.Value, n);
                }
            }

            return max == null ? null : Number(max.Value);
        }

        /// <summary>Redis's bytesToHuman.</summary>
        private static string Human(long bytes)
        {
            string[] units = { "K", "M", "G", "T", "P" };
            if (bytes < 1024)
            {
                return Number(bytes) + "B";
            }

            double value = bytes;
            foreach (string unit in units)
            {
                value /= 1024;
                if (value < 1024 || unit == "P")
                {
                    return value.ToString("0.00", CultureInfo.InvariantCulture) + unit;
                }
            }

            return Number(bytes) + "B";
        }

        private static string Number(long n) => n.ToString(CultureInfo.InvariantCulture);
    }
}
