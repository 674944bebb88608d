using System;
using System.Collections.Generic;
using System.Linq;
using System.Globalization;

namespace RedisCluster.Engine.Cluster
{
    /// <summary>One entry of the server's COMMAND reply: what a command is, where its keys are and how it fans out.</summary>
    public sealed class CommandInfo
    {
        private static readonly ReadableDictionary<string, CommandInfo> NoSubcommands = new ReadableDictionary<string, CommandInfo>(new Dictionary<string, CommandInfo>());

        private readonly HashSet<string> _flags;

        public CommandInfo(
            string name,
            int arity,
            IEnumerable<string>? flags,
            int firstKey,
            int lastKey,
            int step,
            IEnumerable<string>? aclCategories = null,
            IEnumerable<string>? tips = null,
            IReadOnlyList<KeySpec>? keySpecs = null,
            IEnumerable<CommandInfo>? subcommands = null)
        {
            Name = name ?? throw new ArgumentNullException(nameof(name));
            Arity = arity;
            Flags = new ReadableList<string>(flags ?? new string[0], ",");
            _flags = new HashSet<string>(Flags, StringComparer.OrdinalIgnoreCase);
            FirstKey = firstKey;
            LastKey = lastKey;
            Step = step;
            AclCategories = new ReadableList<string>(aclCategories ?? new string[0], ",");
            Tips = new ReadableList<string>(tips ?? new string[0], ",");
            KeySpecs = new ReadableList<KeySpec>(keySpecs ?? new KeySpec[0], "; ");
            IsReadOnly = HasFlag("readonly");
            // Before 7.0 COMMAND has no "blocking" flag, but 6.x already files these commands under @blocking.
            IsBlocking = HasFlag("blocking") || AclCategories.Any(c => string.Equals(c, "@blocking", StringComparison.OrdinalIgnoreCase));
            HasFixedKeyRanges = KeySpecs.Count > 0;
            foreach (KeySpec spec in KeySpecs)
            {
                HasFixedKeyRanges &= spec.BeginSearch == KeyBeginSearchType.Index && spec.FindKeys == KeyFindType.Range
                    && !spec.IsNotKey && !spec.Incomplete && (spec.LastKey >= 0 || spec.Limit <= 1);
            }
            foreach (string tip in Tips)
            {
                if (tip.StartsWith("request_policy:", StringComparison.OrdinalIgnoreCase))
                {
                    RequestPolicy = ParseRequestPolicy(tip.Substring("request_policy:".Length));
                }
                else if (tip.StartsWith("response_policy:", StringComparison.OrdinalIgnoreCase))
                {
                    ResponsePolicy = ParseResponsePolicy(tip.Substring("response_policy:".Length));
                }
            }

            if (subcommands == null)
            {
                Subcommands = NoSubcommands;
            }
            else
            {
                var byName = new Dictionary<string, CommandInfo>(StringComparer.OrdinalIgnoreCase);
                foreach (CommandInfo sub in subcommands)
                {
                    byName[sub.SubcommandName ?? sub.Name] = sub;
                }

                Subcommands = new ReadableDictionary<string, CommandInfo>(byName);
            }
        }

        /// <summary>The name as the server gives it: lower case, "container|sub" for subcommands ("config|get").</summary>
        public string Name { get; }

        /// <summary>For a subcommand, the part after '|' ("get"); null otherwise.</summary>
        public string? SubcommandName
        {
            get
            {
                int bar = Name.IndexOf('|');
                return bar < 0 ? null : Name.Substring(bar + 1);
            }
        }

        /// <summary>Argument count including the name; negative means "at least" that many.</summary>
        public int Arity { get; }

        /// <summary>readonly, write, denyoom, movablekeys, blocking, noscript, pubsub, admin, fast, loading, stale...</summary>
        public IReadOnlyCollection<string> Flags { get; }

        /// <summary>Legacy key range: the first key's index (0 = no keys). Key specs are more precise where present.</summary>
        public int FirstKey { get; }

        /// <summary>Legacy key range: the last key's index; negative counts from the end.</summary>
        public int LastKey { get; }

        public int Step { get; }

        public IReadOnlyList<string> AclCategories { get; }

        /// <summary>Raw tips (request_policy:..., response_policy:..., nondeterministic_output...).</summary>
        public IReadOnlyList<string> Tips { get; }

        public RequestPolicy RequestPolicy { get; }

        public ResponsePolicy ResponsePolicy { get; }

        public IReadOnlyList<KeySpec> KeySpecs { get; }

        /// <summary>Subcommands of a container command, keyed by the part after '|', case-insensitively.</summary>
        public IReadOnlyDictionary<string, CommandInfo> Subcommands { get; }

        public bool IsReadOnly { get; }

        public bool IsWrite => HasFlag("write");

        public bool IsBlocking { get; }

        /// <summary>
        /// True when every key spec names its keys by position alone (a start index and a fixed or
        /// to-the-end range: GET, SET, MGET, MSET, HSET...), so they are found without searching.
        /// </summary>
        internal bool HasFixedKeyRanges { get; }

        /// <summary>The key positions depend on the arguments (ZUNIONSTORE, EVAL, XREAD, SORT...).</summary>
        public bool HasMovableKeys => HasFlag("movablekeys");

        public bool HasFlag(string flag) => _flags.Contains(flag);

        public override string ToString() => Name + " (arity " + Arity.ToString(CultureInfo.InvariantCulture) + ")";

        private static RequestPolicy ParseRequestPolicy(string value)
        {
            switch (value.ToLowerInvariant())
            {
                case "all_nodes":
                    return RequestPolicy.AllNodes;
                case "all_shards":
                    return RequestPolicy.AllShards;
                case "multi_shard":
                    return RequestPolicy.MultiShard;
                default:
                    // "special", and any policy newer than this code: generic routing could be wrong.
                    return RequestPolicy.Special;
            }
        }

        private static ResponsePolicy ParseResponsePolicy(string value)
        {
            switch (value.ToLowerInvariant())
            {
                case "one_succeeded":
                    return ResponsePolicy.OneSucceeded;
                case "all_succeeded":
                    return ResponsePolicy.AllSucceeded;
                case "agg_logical_and":
                    return ResponsePolicy.AggLogicalAnd;
                case "agg_logical_or":
                    return ResponsePolicy.AggLogicalOr;
                case "agg_min":
                    return ResponsePolicy.AggMin;
                case "agg_max":
                    return ResponsePolicy.AggMax;
                case "agg_sum":
                    return ResponsePolicy.AggSum;
                default:
                    return ResponsePolicy.Special;
            }
        }
    }
}
