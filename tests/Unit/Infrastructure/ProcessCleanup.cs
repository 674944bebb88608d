using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace RedisCluster.Tests.Infrastructure;

/// <summary>
/// Kills every redis-server this process started when the process exits (normal exit, SIGTERM, SIGINT, SIGHUP),
/// even if fixtures were never disposed, and removes the temp directories. Runs that die harder
/// (SIGKILL) are swept by <see cref="TestDirectories"/> at the start of the next run.
/// </summary>
internal static class ProcessCleanup
{
    private static readonly ConcurrentDictionary<RedisServer, byte> s_servers = new();
    private static int s_registered;
    private static PosixSignalRegistration[]? s_signals; // kept alive: a collected registration unregisters

    public static void EnsureRegistered()
    {
        if (Interlocked.Exchange(ref s_registered, 1) == 0)
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
            // The xunit testhost does not raise ProcessExit when it gets SIGTERM (measured: servers survived
            // `kill -TERM <testhost>`), so also clean up from the signal itself; the default action (exit)
            // still follows because the handler does not cancel it.
            s_signals = new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGHUP }
                .Select(signal => PosixSignalRegistration.Create(signal, _ => KillAll()))
                .ToArray();
        }
    }

    public static void Track(RedisServer server)
    {
        EnsureRegistered();
        s_servers[server] = 0;
    }

    public static void Untrack(RedisServer server) => s_servers.TryRemove(server, out _);

    private static void KillAll()
    {
        foreach (RedisServer server in s_servers.Keys.ToArray())
        {
            try
            {
                server.Kill();
            }
            catch (Exception)
            {
                // best effort at exit
            }
        }
        TestDirectories.DeleteAllOwned();
    }
}
