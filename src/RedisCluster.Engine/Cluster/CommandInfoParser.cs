using System.Collections.Generic;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Cluster
{
    /// <summary>
    /// Reads one COMMAND / COMMAND INFO entry: <c>[name, arity, flags, first, last, step]</c>, then (6.0+)
    /// ACL categories and (7.0+) tips, key specs and subcommands. RESP3 sends flags and tips as sets and
    /// specs as maps; RESP2 sends arrays and flat key/value arrays. Both read the same here.
    /// </summary>
    internal static class CommandInfoParser
    {
        private const string Command = "COMMAND";

        /// <summary>Null for the null entries COMMAND INFO gives for unknown names.</summary>
        public static CommandInfo? Parse(RespValue entry)
        {
            if (entry.IsNull)
            {
                return null;
            }

            IReadOnlyList<RespValue> items = entry.Items;
            if (!entry.IsAggregate || items.Count < 6)
            {
                throw new RedisException("Unexpected " + Command + " reply: an entry has " + items.Count + " elements, expected at least 6.");
            }

            string name = items[0].GetString() ?? throw new RedisException("Unexpected " + Command + " reply: an entry has no name.");
            var specs = new List<KeySpec>();
            if (items.Count > 8)
            {
                foreach (RespValue spec in items[8].Items)
                {
                    specs.Add(ParseKeySpec(spec, name));
                }
            }

            var subcommands = new List<CommandInfo>();
            if (items.Count > 9)
            {
                foreach (RespValue sub in items[9].Items)
                {
                    CommandInfo? parsed = Parse(sub);
                    if (parsed != null)
                    {
                        subcommands.Add(parsed);
                    }
                }
            }

            return new CommandInfo(
                name,
                Int(items[1], "arity"),
                Strings(items[2]),
                Int(items[3], "first key"),
                Int(items[4], "last key"),
                Int(items[5], "step"),
                items.Count > 6 ? Strings(items[6]) : null,
                items.Count > 7 ? Strings(items[7]) : null,
                specs,
                subcommands);
        }

        private static KeySpec ParseKeySpec(RespValue spec, string command)
        {
            IReadOnlyList<string>? flags = null;
            string? notes = null;
            var beginType = KeyBeginSearchType.Unknown;
            var findType = KeyFindType.Unknown;
            int index = 0, startFrom = 0, lastKey = 0, keyStep = 1, limit = 0, keyNumIndex = 0, firstKey = 0;
            string? keyword = null;
            foreach (KeyValuePair<string, RespValue> field in spec.AsPairs())
            {
                switch (field.Key)
                {
                    case "flags":
                        flags = Strings(field.Value);
                        break;
                    case "notes":
                        notes = field.Value.GetString();
                        break;
                    case "begin_search":
                        IEnumerable<KeyValuePair<string, RespValue>> begin = Search(field.Value, out string? type);
                        foreach (KeyValuePair<string, RespValue> part in begin)
                        {
                            switch (part.Key)
                            {
                                case "index":
                                    index = Int(part.Value, "begin_search index");
                                    break;
                                case "keyword":
                                    keyword = part.Value.GetString();
                                    break;
                                case "startfrom":
                                    startFrom = Int(part.Value, "begin_search startfrom");
                                    break;
                            }
                        }

                        beginType = type == "index" ? KeyBeginSearchType.Index
                            : type == "keyword" && !string.IsNullOrEmpty(keyword) ? KeyBeginSearchType.Keyword
                            : KeyBeginSearchType.Unknown;
                        break;
                    case "find_keys":
                        IEnumerable<KeyValuePair<string, RespValue>> find = Search(field.Value, out string? kind);
                        foreach (KeyValuePair<string, RespValue> part in find)
                        {
                            switch (part.Key)
                            {
                                case "lastkey":
                                    lastKey = Int(part.Value, "find_keys lastkey");
                                    break;
                                case "keystep":
                                    keyStep = Int(part.Value, "find_keys keystep");
                                    break;
                                case "limit":
                                    limit = Int(part.Value, "find_keys limit");
                                    break;
                                case "keynumidx":
                                    keyNumIndex = Int(part.Value, "find_keys keynumidx");
                                    break;
                                case "firstkey":
                                    firstKey = Int(part.Value, "find_keys firstkey");
                                    break;
                            }
                        }

                        findType = kind == "range" ? KeyFindType.Range : kind == "keynum" ? KeyFindType.KeyNum : KeyFindType.Unknown;
                        break;
                }
            }

            return new KeySpec(flags, beginType, index, keyword, startFrom, findType, lastKey, keyStep, limit, keyNumIndex, firstKey, notes);
        }

        // begin_search and find_keys are {type, spec: {...}}; returns the inner spec's fields.
        private static IEnumerable<KeyValuePair<string, RespValue>> Search(RespValue search, out string? type)
        {
            type = null;
            RespValue? inner = null;
            foreach (KeyValuePair<string, RespValue> field in search.AsPairs())
            {
                if (field.Key == "type")
                {
                    type = field.Value.GetString();
                }
                else if (field.Key == "spec")
                {
                    inner = field.Value;
                }
            }

            return inner == null ? new KeyValuePair<string, RespValue>[0] : inner.AsPairs();
        }

        private static List<string> Strings(RespValue value)
        {
            var result = new List<string>(value.Items.Count);
            foreach (RespValue item in value.Items)
            {
                string? text = item.GetString();
                if (text != null)
                {
                    result.Add(text);
                }
            }

            return result;
        }

        private static int Int(RespValue value, string what)
        {
            long n = ReplyShape.Integer(value, Command, what);
            return n < int.MinValue || n > int.MaxValue ? throw new RedisException("Unexpected " + Command + " reply: " + what + " " + n + " is out of range.") : (int)n;
        }
    }
}
