using System.Collections.Concurrent;

namespace RedisCluster.Tests.Infrastructure;

/// <summary>
/// Temp directories for test servers and certificates, under one root shared by all test processes
/// on the machine. Each directory records its owner (pid + start time); the first use in a process
/// sweeps directories (and the redis-server processes running in them) left behind by test runs
/// that died without cleaning up. Directories of live owners (e.g. a parallel test run in another
/// worktree) are never touched. Set REDIS_TEST_KEEP_DIRS=1 to keep directories (logs) after the run.
/// </summary>
internal static class TestDirectories
{
    private const string OwnerFile = "owner.pid";
    internal const string RedisPidFile = "redis.pid";

    private static readonly Lazy<string> s_root = new(InitializeRoot, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly ConcurrentDictionary<string, byte> s_owned = new(StringComparer.Ordinal);

    public static string Root => s_root.Value;

    public static bool KeepDirectories =>
        Environment.GetEnvironmentVariable("REDIS_TEST_KEEP_DIRS") is "1" or "true" or "yes";

    public static string NewDirectory(string kind)
    {
        string dir = Path.Combine(Root, $"{kind}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..12]}");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, OwnerFile), $"{Environment.ProcessId} {ProcessStartTime(Environment.ProcessId)}\n");
        s_owned[dir] = 0;
        return dir;
    }

    public static void Delete(string dir)
    {
        s_owned.TryRemove(dir, out _);
        if (KeepDirectories)
        {
            return;
        }
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Deletes every directory this process created (called at process exit).</summary>
    public static void DeleteAllOwned()
    {
        foreach (string dir in s_owned.Keys.ToArray())
        {
            Delete(dir);
        }
    }

    private static string InitializeRoot()
    {
        string root = Path.Combine(Path.GetTempPath(), "redis-cluster-tests");
        Directory.CreateDirectory(root);
        ProcessCleanup.EnsureRegistered();
        SweepStale(root);
        return root;
    }

    /// <summary>Process start time in clock ticks since boot (field 22 of /proc/pid/stat), or null.</summary>
    internal static string? ProcessStartTime(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) is in parentheses and may contain spaces: split after the last ')'.
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields[19]; // field 22 overall = index 19 after "pid (comm)"
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void SweepStale(string root)
    {
        foreach (string dir in Directory.EnumerateDirectories(root))
        {
            try
            {
                string ownerPath = Path.Combine(dir, OwnerFile);
                if (!File.Exists(ownerPath))
                {
                    // Being created right now by another process, or not ours: only remove very old ones.
                    if (Directory.GetLastWriteTimeUtc(dir) < DateTime.UtcNow.AddHours(-1))
                    {
                        Directory.Delete(dir, recursive: true);
                    }
                    continue;
                }
                string[] owner = File.ReadAllText(ownerPath).Trim().Split(' ');
                if (owner.Length == 2 && int.TryParse(owner[0], out int ownerPid) && ProcessStartTime(ownerPid) == owner[1])
                {
                    continue; // owner still alive
                }
                KillStaleRedis(dir);
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private static void KillStaleRedis(string dir)
    {
        string pidPath = Path.Combine(dir, RedisPidFile);
        if (!File.Exists(pidPath) || !int.TryParse(File.ReadAllText(pidPath).Trim(), out int pid))
        {
            return;
        }
        // redis-server chdirs into its "dir": only kill the process whose cwd is this directory (guards against pid reuse).
        string? cwd = null;
        try
        {
            cwd = new DirectoryInfo($"/proc/{pid}/cwd").LinkTarget;
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        if (cwd is not null && Path.TrimEndingDirectorySeparator(cwd) == Path.TrimEndingDirectorySeparator(dir))
        {
            PosixProcess.Signal(pid, PosixProcess.SIGKILL);
        }
    }
}
