using System.Collections.Generic;
using System.Linq;

namespace RedisCluster.Engine.Tunnel.Smart.Tracking
{
    /// <summary>
    /// The default-mode tracking table of the one server the smart tunnel presents: which applications read which
    /// keys. Like Redis's, an entry is dropped when its key is invalidated, a client's entries stay after it turns
    /// tracking off (the invalidation then finds it no longer tracking), and the table is held to
    /// tracking-table-max-keys by invalidating keys early.
    /// </summary>
    internal sealed class InvalidationTable
    {
        /// <summary>Redis's default tracking-table-max-keys.</summary>
        public const long DefaultMaxKeys = 1000000;

        private readonly object _lock = new object();
        private readonly Dictionary<string, HashSet<long>> _keys = new Dictionary<string, HashSet<long>>(System.StringComparer.Ordinal);
        private long _items;
        private long _maxKeys = DefaultMaxKeys;

        /// <summary>tracking-table-max-keys; 0 for no limit.</summary>
        public long MaxKeys
        {
            get
            {
                lock (_lock)
                {
                    return _maxKeys;
                }
            }

            set
            {
                lock (_lock)
                {
                    _maxKeys = value;
                }
            }
        }

        /// <summary>INFO's tracking_total_keys.</summary>
        public long Keys
        {
            get
            {
                lock (_lock)
                {
                    return _keys.Count;
                }
            }
        }

        /// <summary>INFO's tracking_total_items: client-key pairs.</summary>
        public long Items
        {
            get
            {
                lock (_lock)
                {
                    return _items;
                }
            }
        }

        /// <summary>Notes that <paramref name="client"/> read <paramref name="key"/>; true when the key is new to the table.</summary>
        public bool Remember(long client, string key)
        {
            lock (_lock)
            {
                bool added = false;
                if (!_keys.TryGetValue(key, out HashSet<long>? clients))
                {
                    clients = new HashSet<long>();
                    _keys[key] = clients;
                    added = true;
                }

                if (clients.Add(client))
                {
                    _items++;
                }

                return added;
            }
        }

        /// <summary>A NOLOOP client wrote <paramref name="key"/>: it is no longer told about it (Redis drops it silently).</summary>
        public void Forget(long client, string key)
        {
            lock (_lock)
            {
                if (_keys.TryGetValue(key, out HashSet<long>? clients) && clients.Remove(client))
                {
                    _items--;
                    if (clients.Count == 0)
                    {
                        _keys.Remove(key);
                    }
                }
            }
        }

        /// <summary>The clients to tell that <paramref name="key"/> changed; the key leaves the table. Null when nobody tracks it.</summary>
        public long[]? Take(string key)
        {
            lock (_lock)
            {
                if (!_keys.TryGetValue(key, out HashSet<long>? clients))
                {
                    return null;
                }

                _keys.Remove(key);
                _items -= clients.Count;
                return clients.ToArray();
            }
        }

        /// <summary>Every key whose entry <paramref name="matches"/> says goes, with its clients; they leave the table.</summary>
        public List<KeyValuePair<string, long[]>> TakeWhere(System.Func<string, bool> matches)
        {
            lock (_lock)
            {
                var taken = new List<KeyValuePair<string, long[]>>();
                foreach (KeyValuePair<string, HashSet<long>> entry in _keys)
                {
                    if (matches(entry.Key))
                    {
                        taken.Add(new KeyValuePair<string, long[]>(entry.Key, entry.Value.ToArray()));
                    }
                }

                RemoveTaken(taken);
                return taken;
            }
        }

        /// <summary>The keys over tracking-table-max-keys, taken out with their clients, who are then told as if they had changed.</summary>
        public List<KeyValuePair<string, long[]>> TakeOverLimit()
        {
            lock (_lock)
            {
                var taken = new List<KeyValuePair<string, long[]>>();
                long over = _maxKeys > 0 ? _keys.Count - _maxKeys : 0;
                if (over <= 0)
                {
                    return taken;
                }

                foreach (KeyValuePair<string, HashSet<long>> entry in _keys)
                {
                    if (taken.Count >= over)
                    {
                        break;
                    }

                    taken.Add(new KeyValuePair<string, long[]>(entry.Key, entry.Value.ToArray()));
                }

                RemoveTaken(taken);
                return taken;
            }
        }

        /// <summary>Drops the entries just taken (the caller holds the lock).</summary>
        private void RemoveTaken(List<KeyValuePair<string, long[]>> taken)
        {
            foreach (KeyValuePair<string, long[]> entry in taken)
            {
                _keys.Remove(entry.Key);
                _items -= entry.Value.Length;
            }
        }
    }
}
