using System;
using System.Text;
using System.Threading;

namespace RedisCluster.Engine.Commands
{
    /// <summary>
    /// Upper-cased command names from their bytes. Relays see the same few names millions of times, so
    /// short ASCII names come from a small fixed cache instead of two new strings per command; the cache
    /// cannot grow, whatever names clients invent.
    /// </summary>
    internal static class CommandNames
    {
        private const int MaxCachedLength = 32;
        private const int Buckets = 1024;

        private static readonly Entry?[] Cache = new Entry?[Buckets];

        public static string Of(ReadOnlySpan<byte> name)
        {
            if (name.Length == 0 || name.Length > MaxCachedLength)
            {
                return Uncached(name);
            }

            uint hash = 2166136261;
            foreach (byte b in name)
            {
                if (b >= 0x80)
                {
                    return Uncached(name);
                }

                hash = (hash ^ Upper(b)) * 16777619;
            }

            int bucket = (int)(hash % Buckets);
            Entry? entry = Volatile.Read(ref Cache[bucket]);
            if (entry != null && entry.Matches(name))
            {
                return entry.Name;
            }

            string text = Uncached(name);
            Volatile.Write(ref Cache[bucket], new Entry(text));
            return text;
        }

        private static string Uncached(ReadOnlySpan<byte> name) => Encoding.UTF8.GetString(name.ToArray()).ToUpperInvariant();

        private static byte Upper(byte b) => b >= (byte)'a' && b <= (byte)'z' ? (byte)(b - 32) : b;

        private sealed class Entry
        {
            public Entry(string name)
            {
                Name = name;
            }

            public string Name { get; }

            public bool Matches(ReadOnlySpan<byte> name)
            {
                if (name.Length != Name.Length)
                {
                    return false;
                }

                for (int i = 0; i < name.Length; i++)
                {
                    if (Upper(name[i]) != Name[i])
                    {
                        return false;
                    }
                }

                return true;
            }
        }
    }
}
