using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Tunnel.Smart.Tracking
{
    /// <summary>
    /// One application's CLIENT TRACKING state, as a single Redis server keeps it for a connection: on or off, the
    /// mode and its prefixes, the redirect, CLIENT CACHING for the next command, and a redirect found broken. The
    /// session changes it; the invalidation feed reads it from other threads, so the settings are swapped whole.
    /// </summary>
    internal sealed class ClientTracking
    {
        private volatile Settings? _settings;
        private volatile bool _cachingGiven;
        private volatile bool _brokenRedirect;
        private volatile int _generation;
        private int _nullDue;

        /// <summary>Keys this NOLOOP client wrote whose broadcast invalidation has not come back yet.</summary>
        private readonly Dictionary<string, int> _ownWrites = new Dictionary<string, int>(StringComparer.Ordinal);

        public bool IsOn => _settings != null;

        public bool IsBcast => _settings?.Flags.HasFlag(TrackingFlags.Bcast) == true;

        public bool IsNoLoop => _settings?.Flags.HasFlag(TrackingFlags.NoLoop) == true;

        /// <summary>The options given with CLIENT TRACKING ON; None while off.</summary>
        public TrackingFlags Flags => _settings?.Flags ?? TrackingFlags.None;

        /// <summary>CLIENT CACHING was given for the command about to run.</summary>
        public bool CachingGiven => _cachingGiven;

        /// <summary>Changes whenever tracking is turned on or off, so what was set up for the old settings can be told apart.</summary>
        public int Generation => _generation;

        /// <summary>The client the invalidations go to; 0 for the client itself.</summary>
        public long Redirect => _settings?.Redirect ?? 0;

        /// <summary>BCAST prefixes ("" for every key); empty in the default mode.</summary>
        public IReadOnlyList<byte[]> Prefixes => _settings?.Prefixes ?? Array.Empty<byte[]>();

        /// <summary>
        /// Applies CLIENT TRACKING ON with Redis's checks against the current state; the error text when Redis would
        /// refuse it. Prefixes are added to those already set, as Redis does.
        /// </summary>
        public string? Enable(TrackingRequest request)
        {
            Settings? current = _settings;
            TrackingFlags flags = request.Flags;
            bool bcast = flags.HasFlag(TrackingFlags.Bcast);
            if (!bcast && request.Prefixes.Count > 0)
            {
                return "ERR PREFIX option requires BCAST mode to be enabled";
            }

            if (current != null && current.Flags.HasFlag(TrackingFlags.Bcast) != bcast)
            {
                return "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.";
            }

            if (bcast && (flags & (TrackingFlags.OptIn | TrackingFlags.OptOut)) != 0)
            {
                return "ERR OPTIN and OPTOUT are not compatible with BCAST";
            }

            if (flags.HasFlag(TrackingFlags.OptIn) && flags.HasFlag(TrackingFlags.OptOut))
            {
                return "ERR You can't specify both OPTIN mode and OPTOUT mode";
            }

            if (current != null && ((flags.HasFlag(TrackingFlags.OptIn) && current.Flags.HasFlag(TrackingFlags.OptOut))
                || (flags.HasFlag(TrackingFlags.OptOut) && current.Flags.HasFlag(TrackingFlags.OptIn))))
            {
                return "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.";
            }

            var prefixes = new List<byte[]>(current?.Prefixes ?? Array.Empty<byte[]>());
            if (bcast)
            {
                string? collision = PrefixCollision(prefixes, request.Prefixes);
                if (collision != null)
                {
                    return collision;
                }

                if (request.Prefixes.Count == 0 && !prefixes.Any(p => p.Length == 0))
                {
                    prefixes.Add(Array.Empty<byte>());
                }

                foreach (byte[] prefix in request.Prefixes)
                {
                    if (!prefixes.Any(p => p.AsSpan().SequenceEqual(prefix)))
                    {
                        prefixes.Add(prefix);
                    }
                }
            }

            _brokenRedirect = false;
            _settings = new Settings(flags, request.Redirect, prefixes);
            _generation++;
            RearmNull();
            return null;
        }

        /// <summary>CLIENT TRACKING OFF (and RESET): the mode, prefixes and redirect go; a later ON starts afresh.</summary>
        public void Disable()
        {
            _settings = null;
            _generation++;
            _cachingGiven = false;
            _brokenRedirect = false;
            lock (_ownWrites)
            {
                _ownWrites.Clear();
            }
        }

        /// <summary>CLIENT CACHING YES|NO, with Redis's errors.</summary>
        public RespValue Caching(byte[][] args)
        {
            Settings? settings = _settings;
            if (settings == null)
            {
                return RespValue.Error("ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled");
            }

            string option = Encoding.UTF8.GetString(args[2]).ToUpperInvariant();
            if (option == "YES")
            {
                if (!settings.Flags.HasFlag(TrackingFlags.OptIn))
                {
                    return RespValue.Error("ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
                }
            }
            else if (option == "NO")
            {
                if (!settings.Flags.HasFlag(TrackingFlags.OptOut))
                {
                    return RespValue.Error("ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
                }
            }
            else
            {
                return RespValue.Error("ERR syntax error");
            }

            _cachingGiven = true;
            return RespValue.Ok;
        }

        /// <summary>
        /// Whether what the command being run reads is remembered: tracking in the default mode, and OPTIN's CLIENT
        /// CACHING YES given, or OPTOUT's CLIENT CACHING NO not given.
        /// </summary>
        public bool RemembersReads
        {
            get
            {
                Settings? settings = _settings;
                if (settings == null || settings.Flags.HasFlag(TrackingFlags.Bcast))
                {
                    return false;
                }

                bool caching = _cachingGiven;
                return !(settings.Flags.HasFlag(TrackingFlags.OptIn) && !caching) && !(settings.Flags.HasFlag(TrackingFlags.OptOut) && caching);
            }
        }

        /// <summary>After a command: CLIENT CACHING covers the next command only, or a whole MULTI block.</summary>
        public void CommandDone(string name, bool inTransaction)
        {
            if (!inTransaction && name != "CLIENT" && name != "MULTI")
            {
                _cachingGiven = false;
            }
        }

        /// <summary>
        /// Whether a flush's null invalidation is still to be sent. A flush through the tunnel runs on every primary and
        /// each sends a null; the client gets one, and is due another only once it ran commands after it.
        /// </summary>
        public bool TakeNullDue() => Interlocked.Exchange(ref _nullDue, 0) == 1;

        /// <summary>The client is running commands again: a later flush is news to it.</summary>
        public void RearmNull() => Interlocked.Exchange(ref _nullDue, 1);

        /// <summary>The redirect target was gone when an invalidation was due (TRACKINGINFO's broken_redirect).</summary>
        public void RedirectBroke() => _brokenRedirect = true;

        /// <summary>Notes keys this BCAST NOLOOP client is about to write, so their invalidation is not sent back to it.</summary>
        public void NoteOwnWrites(IEnumerable<string> keys)
        {
            lock (_ownWrites)
            {
                foreach (string key in keys)
                {
                    _ownWrites[key] = _ownWrites.TryGetValue(key, out int n) ? n + 1 : 1;
                }
            }
        }

        /// <summary>True (and the note is used up) when an invalidation of <paramref name="key"/> answers this client's own write.</summary>
        public bool TakeOwnWrite(string key)
        {
            lock (_ownWrites)
            {
                if (!_ownWrites.TryGetValue(key, out int n))
                {
                    return false;
                }

                if (n <= 1)
                {
                    _ownWrites.Remove(key);
                }
                else
                {
                    _ownWrites[key] = n - 1;
                }

                return true;
            }
        }

        /// <summary>
        /// Forgets own writes noted before a barrier: every invalidation they caused has arrived by then, and a note
        /// left over (a write that changed nothing) must not hide somebody else's later write.
        /// </summary>
        public void ForgetOwnWrites()
        {
            lock (_ownWrites)
            {
                _ownWrites.Clear();
            }
        }

        /// <summary>CLIENT GETREDIR.</summary>
        public long RedirectForInfo => _settings?.Redirect ?? -1;

        /// <summary>CLIENT TRACKINGINFO: flags, redirect and prefixes, as Redis 7.0 lays them out.</summary>
        public RespValue TrackingInfo()
        {
            Settings? settings = _settings;
            var flags = new List<RespValue> { RespValue.BulkString(settings != null ? "on" : "off") };
            if (settings != null)
            {
                if (settings.Flags.HasFlag(TrackingFlags.Bcast))
                {
                    flags.Add(RespValue.BulkString("bcast"));
                }

                if (settings.Flags.HasFlag(TrackingFlags.OptIn))
                {
                    flags.Add(RespValue.BulkString("optin"));
                    if (_cachingGiven)
                    {
                        flags.Add(RespValue.BulkString("caching-yes"));
                    }
                }

                if (settings.Flags.HasFlag(TrackingFlags.OptOut))
                {
                    flags.Add(RespValue.BulkString("optout"));
                    if (_cachingGiven)
                    {
                        flags.Add(RespValue.BulkString("caching-no"));
                    }
                }

                if (settings.Flags.HasFlag(TrackingFlags.NoLoop))
                {
                    flags.Add(RespValue.BulkString("noloop"));
                }

                if (_brokenRedirect)
                {
                    flags.Add(RespValue.BulkString("broken_redirect"));
                }
            }

            RespValue prefixes = RespValue.Array(Prefixes.Select(p => RespValue.BulkString(p)).ToArray());
            return RespValue.Map(new[]
            {
                Pair("flags", RespValue.Create(RespType.Set, null, items: flags.ToArray())),
                Pair("redirect", RespValue.FromInteger(RedirectForInfo)),
                Pair("prefixes", prefixes),
            });
        }

        /// <summary>CLIENT LIST's tracking flags: t (tracking), R (broken redirect), B (broadcast).</summary>
        public string ListFlags()
        {
            Settings? settings = _settings;
            if (settings == null)
            {
                return string.Empty;
            }

            return "t" + (_brokenRedirect ? "R" : string.Empty) + (settings.Flags.HasFlag(TrackingFlags.Bcast) ? "B" : string.Empty);
        }

        /// <summary>Redis's check that no two prefixes of one client could both match a key.</summary>
        private static string? PrefixCollision(IReadOnlyList<byte[]> existing, IReadOnlyList<byte[]> added)
        {
            for (int i = 0; i < added.Count; i++)
            {
                foreach (byte[] old in existing)
                {
                    if (Overlap(old, added[i]))
                    {
                        return "ERR Prefix '" + Text(added[i]) + "' overlaps with an existing prefix '" + Text(old) + "'. Prefixes for a single client must not overlap.";
                    }
                }

                for (int j = i + 1; j < added.Count; j++)
                {
                    if (Overlap(added[i], added[j]))
                    {
                        return "ERR Prefix '" + Text(added[i]) + "' overlaps with another provided prefix '" + Text(added[j]) + "'. Prefixes for a single client must not overlap.";
                    }
                }
            }

            return null;
        }

        private static bool Overlap(byte[] a, byte[] b)
        {
            int length = Math.Min(a.Length, b.Length);
            return a.AsSpan(0, length).SequenceEqual(b.AsSpan(0, length));
        }

        private static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);

        private static KeyValuePair<RespValue, RespValue> Pair(string key, RespValue value) => new KeyValuePair<RespValue, RespValue>(RespValue.BulkString(key), value);

        private sealed class Settings
        {
            public Settings(TrackingFlags flags, long redirect, IReadOnlyList<byte[]> prefixes)
            {
                Flags = flags;
                Redirect = redirect;
                Prefixes = prefixes;
            }

            public TrackingFlags Flags { get; }

            public long Redirect { get; }

            public IReadOnlyList<byte[]> Prefixes { get; }
        }
    }
}
