using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Management.Automation.Runspaces;
using System.Threading.Tasks;
using RedisCluster.Engine.Tunnel;

namespace RedisCluster.PowerShell.Tunnel
{
    /// <summary>
    /// The tunnels running in this process. Process-wide, so that Get-RedisTunnel and Stop-RedisTunnel see
    /// a tunnel whichever runspace started it (a thread job, a parallel loop, another tab of a host);
    /// but each tunnel belongs to the runspace that started it and stops when that runspace closes, so
    /// that no listener outlives the session that opened it. Removing the module from a runspace stops
    /// the tunnels that runspace started.
    /// </summary>
    internal static class TunnelRegistry
    {
        private static readonly ConcurrentDictionary<int, (RedisTunnel Tunnel, Guid Owner)> Running = new ConcurrentDictionary<int, (RedisTunnel, Guid)>();
        private static readonly ConcurrentDictionary<Guid, byte> WatchedRunspaces = new ConcurrentDictionary<Guid, byte>();

        public static void Add(RedisTunnel tunnel)
        {
            Runspace? runspace = Runspace.DefaultRunspace;
            Guid owner = runspace?.InstanceId ?? Guid.Empty;
            Running[tunnel.Id] = (tunnel, owner);

            // Housekeeping only, for tunnels stopped without the registry (a script calling $t.Dispose()):
            // WhenStopped() runs its continuations on the thread pool, so this can come after the stopper
            // has moved on. StopAsync below and the State check in All() are what callers rely on.
            tunnel.WhenStopped().ContinueWith(done => Running.TryRemove(tunnel.Id, out _), TaskScheduler.Default);
            if (runspace != null && WatchedRunspaces.TryAdd(owner, 0))
            {
                runspace.StateChanged += OnRunspaceStateChanged;
            }
        }

        /// <summary>
        /// Stops a tunnel and takes it out of the registry before the returned task completes, so that a
        /// Get-RedisTunnel run after Stop-RedisTunnel (or after Remove-Module) can never list it.
        /// </summary>
        public static async Task StopAsync(RedisTunnel tunnel)
        {
            try
            {
                await tunnel.StopAsync().ConfigureAwait(false);
            }
            finally
            {
                Running.TryRemove(tunnel.Id, out _);
            }
        }

        /// <summary>Running (or stopping) tunnels, oldest first.</summary>
        public static List<RedisTunnel> All()
        {
            var list = new List<RedisTunnel>();
            foreach (var entry in Running.Values)
            {
                // A tunnel stopped by other means may still be here until its WhenStopped() continuation
                // runs; its state is final before that task completes, so it is already known to be gone.
                if (entry.Tunnel.State == TunnelState.Stopped)
                {
                    Running.TryRemove(entry.Tunnel.Id, out _);
                    continue;
                }

                list.Add(entry.Tunnel);
            }

            list.Sort((a, b) => a.Id.CompareTo(b.Id));
            return list;
        }

        /// <summary>Stops the tunnels that the current runspace started (module removal).</summary>
        public static void StopOwnedByCurrentRunspace()
        {
            Guid owner = Runspace.DefaultRunspace?.InstanceId ?? Guid.Empty;
            var stopping = new List<Task>();
            foreach (var entry in Running.Values)
            {
                if (entry.Owner == owner)
                {
                    stopping.Add(StopAsync(entry.Tunnel));
                }
            }

            Task.WaitAll(stopping.ToArray(), TimeSpan.FromSeconds(15));
        }

        private static void OnRunspaceStateChanged(object? sender, RunspaceStateEventArgs e)
        {
            if (!(sender is Runspace runspace)
                || (e.RunspaceStateInfo.State != RunspaceState.Closed && e.RunspaceStateInfo.State != RunspaceState.Broken))
            {
                return;
            }

            runspace.StateChanged -= OnRunspaceStateChanged;
            WatchedRunspaces.TryRemove(runspace.InstanceId, out _);
            foreach (var entry in Running.Values)
            {
                if (entry.Owner == runspace.InstanceId)
                {
                    _ = StopAsync(entry.Tunnel);
                }
            }
        }
    }
}
