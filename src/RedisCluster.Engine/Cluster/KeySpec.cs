using System;
using System.Collections.Generic;
using System.Globalization;

namespace RedisCluster.Engine.Cluster
{
    /// <summary>
    /// One key specification of a command (Redis 7.0+): where its keys start (begin_search) and how many
    /// follow (find_keys). Argument indices count the command name as 0.
    /// </summary>
    public sealed class KeySpec
    {
        public KeySpec(
            IReadOnlyList<string>? flags,
            KeyBeginSearchType beginSearch,
            int index,
            string? keyword,
            int startFrom,
            KeyFindType findKeys,
            int lastKey,
            int keyStep,
            int limit,
            int keyNumIndex,
            int firstKey,
            string? notes = null)
        {
            Flags = new ReadableList<string>(flags ?? new string[0], ",");
            BeginSearch = beginSearch;
            Index = index;
            Keyword = keyword;
            StartFrom = startFrom;
            FindKeys = findKeys;
            LastKey = lastKey;
            KeyStep = keyStep;
            Limit = limit;
            KeyNumIndex = keyNumIndex;
            FirstKey = firstKey;
            Notes = notes;
        }

        /// <summary>RO, RW, OW, RM, access, update, insert, delete, not_key, incomplete, variable_flags...</summary>
        public IReadOnlyList<string> Flags { get; }

        public KeyBeginSearchType BeginSearch { get; }

        /// <summary>begin_search index: the argument of the first key.</summary>
        public int Index { get; }

        /// <summary>begin_search keyword: keys start after this argument (compared case-insensitively).</summary>
        public string? Keyword { get; }

        /// <summary>Where the keyword search starts; negative counts from the end and searches backwards.</summary>
        public int StartFrom { get; }

        public KeyFindType FindKeys { get; }

        /// <summary>range: the last key relative to the first (0 = just one key); negative counts from the end.</summary>
        public int LastKey { get; }

        public int KeyStep { get; }

        /// <summary>range with a negative LastKey: only 1/Limit of the remaining arguments are keys (XREAD's streams); 0 or 1 means all.</summary>
        public int Limit { get; }

        /// <summary>keynum: the argument holding the number of keys, relative to the first.</summary>
        public int KeyNumIndex { get; }

        /// <summary>keynum: the first key, relative to the first.</summary>
        public int FirstKey { get; }

        public string? Notes { get; }

        /// <summary>The spec may miss keys; only the server (COMMAND GETKEYS) knows them all.</summary>
        public bool Incomplete => HasFlag("incomplete");

        /// <summary>The arguments are not keys but route like keys in a cluster (sharded pub/sub channels).</summary>
        public bool IsNotKey => HasFlag("not_key");

        /// <summary>The spec cannot locate its keys at all (SORT's BY/GET/STORE).</summary>
        public bool IsUnknown => BeginSearch == KeyBeginSearchType.Unknown || FindKeys == KeyFindType.Unknown;

        public bool HasFlag(string flag)
        {
            foreach (string f in Flags)
            {
                if (string.Equals(f, flag, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }

            return false;
        }

        public override string ToString()
        {
            string begin;
            switch (BeginSearch)
            {
                case KeyBeginSearchType.Index:
                    begin = "index " + Index.ToString(CultureInfo.InvariantCulture);
                    break;
                case KeyBeginSearchType.Keyword:
                    begin = "keyword " + Keyword + " from " + StartFrom.ToString(CultureInfo.InvariantCulture);
                    break;
                default:
                    begin = "unknown";
                    break;
            }

            string find;
            switch (FindKeys)
            {
                case KeyFindType.Range:
                    find = "range last " + LastKey.ToString(CultureInfo.InvariantCulture) + " step " + KeyStep.ToString(CultureInfo.InvariantCulture)
                        + " limit " + Limit.ToString(CultureInfo.InvariantCulture);
                    break;
                case KeyFindType.KeyNum:
                    find = "keynum at " + KeyNumIndex.ToString(CultureInfo.InvariantCulture) + " first " + FirstKey.ToString(CultureInfo.InvariantCulture)
                        + " step " + KeyStep.ToString(CultureInfo.InvariantCulture);
                    break;
                default:
                    find = "unknown";
                    break;
            }

            return "[" + string.Join(",", Flags) + "] " + begin + "; " + find;
        }
    }
}
