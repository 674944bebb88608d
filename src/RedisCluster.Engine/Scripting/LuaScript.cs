using System;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace RedisCluster.Engine.Scripting
{
    /// <summary>
    /// A Lua script and its SHA1, the name EVALSHA runs it by. The SHA1 is computed here, as the server computes
    /// it, so EVALSHA needs no SCRIPT LOAD round trip first; scripts seen before are kept (by text) so a loop that
    /// runs the same script does not hash it every time.
    /// </summary>
    public sealed class LuaScript
    {
        private const int MaxCached = 256;
        private static readonly ConcurrentDictionary<string, LuaScript> Cache = new ConcurrentDictionary<string, LuaScript>(StringComparer.Ordinal);

        private LuaScript(string text)
        {
            Text = text;
            Body = Encoding.UTF8.GetBytes(text);
            using (SHA1 sha1 = SHA1.Create())
            {
                byte[] hash = sha1.ComputeHash(Body);
                var hex = new StringBuilder(hash.Length * 2);
                foreach (byte b in hash)
                {
                    hex.Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
                }

                Sha1 = hex.ToString();
            }
        }

        public string Text { get; }

        /// <summary>The script as sent (UTF-8): the bytes the server hashes.</summary>
        public byte[] Body { get; }

        /// <summary>Lower-case hex, as SCRIPT LOAD returns it.</summary>
        public string Sha1 { get; }

        public static LuaScript FromText(string text)
        {
            if (Cache.TryGetValue(text, out LuaScript? known))
            {
                return known;
            }

            if (Cache.Count >= MaxCached)
            {
                // A session that generates scripts must not grow this without bound; rebuilding costs one hash each.
                Cache.Clear();
            }

            return Cache.GetOrAdd(text, t => new LuaScript(t));
        }
    }
}
