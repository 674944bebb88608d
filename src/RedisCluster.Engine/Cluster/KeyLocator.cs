using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using RedisCluster.Engine.Commands;

namespace RedisCluster.Engine.Cluster
{
    /// <summary>
    /// Applies a command's key specs to its arguments, the way the server resolves them, without a
    /// round trip. Out-of-range results are skipped rather than thrown: the server reports the syntax error.
    /// </summary>
    internal static class KeyLocator
    {
        public static KeyExtraction Locate(CommandInfo info, RedisCommand command)
        {
            // Sized for every argument at once: MGET and EXISTS of ten keys, split by the smart tunnel, would grow it three times.
            var keys = new List<int>(command.Arguments.Count);
            List<int>? notKeys = null;
            bool needsServer = false;
            if (info.KeySpecs.Count == 0)
            {
                AddLegacyRange(info, command.Arguments.Count, keys);

                // Before 7.0 only the legacy range exists, and it cannot describe movable keys.
                needsServer = info.HasMovableKeys;
                return new KeyExtraction(info, keys, notKeys, needsServer);
            }

            for (int k = 0; k < info.KeySpecs.Count; k++)
            {
                KeySpec spec = info.KeySpecs[k];
                if (spec.IsUnknown)
                {
                    needsServer = true;
                    continue;
                }

                if (spec.Incomplete)
                {
                    needsServer = true;
                }

                AddSpecKeys(spec, command, spec.IsNotKey ? notKeys ??= new List<int>() : keys);
            }

            return new KeyExtraction(info, keys, notKeys, needsServer);
        }

        /// <summary>
        /// For a command whose key specs are all fixed ranges (<see cref="CommandInfo.HasFixedKeyRanges"/>):
        /// the one slot of all its keys, without allocating. False when it has no keys or they span slots.
        /// </summary>
        public static bool TryGetFixedRangeSlot(CommandInfo info, RedisCommand command, out int slot)
        {
            slot = -1;
            int argc = command.Arguments.Count;

            // By index: a foreach over the interface would box an enumerator for every command routed.
            for (int k = 0; k < info.KeySpecs.Count; k++)
            {
                KeySpec spec = info.KeySpecs[k];
                int first = spec.Index;
                int last = spec.LastKey >= 0 ? first + spec.LastKey : argc + spec.LastKey;
                if (first < 1 || first >= argc || last < first || last >= argc)
                {
                    continue;
                }

                int step = Math.Max(1, spec.KeyStep);
                for (int i = first; i <= last; i += step)
                {
                    int keySlot = HashSlot.GetSlot(command.Arguments[i].Span);
                    if (slot >= 0 && keySlot != slot)
                    {
                        slot = -1;
                        return false;
                    }

                    slot = keySlot;
                }
            }

            return slot >= 0;
        }

        private static void AddSpecKeys(KeySpec spec, RedisCommand command, List<int> into)
        {
            int argc = command.Arguments.Count;
            int first;
            if (spec.BeginSearch == KeyBeginSearchType.Index)
            {
                first = spec.Index;
            }
            else
            {
                int keyword = FindKeyword(command, spec.Keyword!, spec.StartFrom);
                if (keyword < 0)
                {
                    return;
                }

                first = keyword + 1;
            }

            int last;
            if (spec.FindKeys == KeyFindType.Range)
            {
                if (spec.LastKey >= 0)
                {
                    last = first + spec.LastKey;
                }
                else if (spec.Limit <= 1)
                {
                    last = argc + spec.LastKey;
                }
                else
                {
                    // Only 1/limit of what follows are keys: XREAD ... STREAMS k1 k2 id1 id2.
                    last = first + (argc - first) / spec.Limit + spec.LastKey;
                }
            }
            else
            {
                int countAt = first + spec.KeyNumIndex;
                if (countAt < 1 || countAt >= argc
                    || !long.TryParse(command.ArgumentText(countAt), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long count)
                    || count < 0 || count > argc)
                {
                    return;
                }

                // The count is of keys, not arguments: with a step, the last key is further out.
                first += spec.FirstKey;
                last = first + ((int)count - 1) * Math.Max(1, spec.KeyStep);
            }

            if (first < 1 || first >= argc || last < first || last >= argc)
            {
                return;
            }

            int step = Math.Max(1, spec.KeyStep);
            for (int i = first; i <= last; i += step)
            {
                into.Add(i);
            }
        }

        // The server skips the final argument when searching forwards (a keyword there has no keys
        // after it) and never looks at the command name.
        private static int FindKeyword(RedisCommand command, string keyword, int startFrom)
        {
            int argc = command.Arguments.Count;
            byte[] wanted = Encoding.UTF8.GetBytes(keyword);
            if (startFrom > 0)
            {
                for (int i = startFrom; i < argc - 1; i++)
                {
                    if (EqualsIgnoreAsciiCase(command.Arguments[i].Span, wanted))
                    {
                        return i;
                    }
                }
            }
            else
            {
                for (int i = argc + startFrom; i >= 1 && i < argc; i--)
                {
                    if (EqualsIgnoreAsciiCase(command.Arguments[i].Span, wanted))
                    {
                        return i;
                    }
                }
            }

            return -1;
        }

        private static void AddLegacyRange(CommandInfo info, int argc, List<int> into)
        {
            if (info.FirstKey <= 0)
            {
                return;
            }

            int last = info.LastKey < 0 ? argc + info.LastKey : info.LastKey;
            int step = Math.Max(1, info.Step);
            for (int i = info.FirstKey; i <= last && i < argc; i += step)
            {
                into.Add(i);
            }
        }

        private static bool EqualsIgnoreAsciiCase(ReadOnlySpan<byte> argument, byte[] keyword)
        {
            if (argument.Length != keyword.Length)
            {
                return false;
            }

            for (int i = 0; i < keyword.Length; i++)
            {
                int a = argument[i];
                int b = keyword[i];
                if (a != b && ToLowerAscii(a) != ToLowerAscii(b))
                {
                    return false;
                }
            }

            return true;
        }

        private static int ToLowerAscii(int c) => c >= 'A' && c <= 'Z' ? c + 32 : c;
    }
}
