using System;
using System.Collections.Concurrent;
using System.Management.Automation.Runspaces;
using RedisCluster.Engine.Client;

namespace RedisCluster.PowerShell.Session
{
    /// <summary>
    /// The default connection of each runspace. Keyed by runspace so that parallel runspaces (jobs,
    /// ForEach-Object -Parallel, test hosts) do not share or overwrite each other's default.
    /// </summary>
    internal static class RedisSessionState
    {
        private static readonly ConcurrentDictionary<Guid, RedisClient> Defaults = new ConcurrentDictionary<Guid, RedisClient>();
        private static readonly ConcurrentDictionary<RedisClient, Guid> Open = new ConcurrentDictionary<RedisClient, Guid>();

        public static RedisClient? GetDefault()
        {
            Guid key = CurrentKey();
            if (Defaults.TryGetValue(key, out RedisClient? client))
            {
                if (!client.IsDisposed)
                {
                    return client;
                }

                Defaults.TryRemove(key, out _);
            }

            return null;
        }

        public static void SetDefault(RedisClient client)
        {
            Open[client] = CurrentKey();
            Runspace? runspace = Runspace.DefaultRunspace;
            if (runspace != null && Defaults.TryAdd(runspace.InstanceId, client))
            {
                // First default in this runspace: close what it opened when the runspace closes.
                runspace.StateChanged += OnRunspaceStateChanged;
                return;
            }

            Defaults[CurrentKey()] = client;
        }

        public static void Track(RedisClient client) => Open[client] = CurrentKey();

        /// <summary>Connections this runspace opened with Connect-Redis that are still open (for completion).</summary>
        public static System.Collections.Generic.IEnumerable<RedisClient> OpenClients()
        {
            Guid runspace = CurrentKey();
            foreach (var pair in Open)
            {
                if (pair.Value == runspace && !pair.Key.IsDisposed)
                {
                    yield return pair.Key;
                }
            }
        }

        /// <summary>Forgets a closed client, and clears it as default wherever it was the default.</summary>
        public static void Forget(RedisClient client)
        {
            Open.TryRemove(client, out _);
            foreach (var pair in Defaults)
            {
                if (ReferenceEquals(pair.Value, client))
                {
                    Defaults.TryRemove(pair.Key, out _);
                }
            }
        }

        /// <summary>Closes every client the module opened (module removal).</summary>
        public static void CloseAll()
        {
            foreach (RedisClient client in Open.Keys)
            {
                client.Dispose();
            }

            Open.Clear();
            Defaults.Clear();
        }

        private static void OnRunspaceStateChanged(object? sender, RunspaceStateEventArgs e)
        {
            if (sender is Runspace runspace && (e.RunspaceStateInfo.State == RunspaceState.Closed || e.RunspaceStateInfo.State == RunspaceState.Broken))
            {
                if (Defaults.TryRemove(runspace.InstanceId, out RedisClient? client))
                {
                    Open.TryRemove(client, out _);
                    client.Dispose();
                }

                runspace.StateChanged -= OnRunspaceStateChanged;
            }
        }

        private static Guid CurrentKey() => Runspace.DefaultRunspace?.InstanceId ?? Guid.Empty;
    }
}
