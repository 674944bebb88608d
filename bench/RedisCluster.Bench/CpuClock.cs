using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace RedisCluster.Bench;

/// <summary>
/// CPU time spent by the processes of a benchmark run (Linux): the servers (by pid), this process (which hosts the
/// tunnel) and the redis-benchmark runs (waited-for children). Requests per second move with whatever else the
/// machine does; CPU time per request hardly does, so it says where a relay's cost goes.
/// </summary>
public static class CpuClock
{
    private const int RusageChildren = -1;
    private const int ScClkTck = 2;

    private static readonly double TicksPerSecond = sysconf(ScClkTck) is long ticks && ticks > 0 ? ticks : 100;

    /// <summary>A reading of all three clocks.</summary>
    public static (double Servers, double Self, double Children) Read(IEnumerable<int> serverPids)
    {
        using var self = Process.GetCurrentProcess();
        return (serverPids.Sum(ProcessSeconds), self.TotalProcessorTime.TotalSeconds, ChildrenSeconds());
    }

    /// <summary>User plus system time of a running process, from /proc/PID/stat.</summary>
    public static double ProcessSeconds(int pid)
    {
        string stat = File.ReadAllText("/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/stat");

        // The command name (field 2) may hold spaces; the fields after it are plain numbers.
        string[] fields = stat.Substring(stat.LastIndexOf(')') + 2).Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    /// <summary>User plus system time of every child process waited for so far.</summary>
    public static double ChildrenSeconds()
    {
        if (getrusage(RusageChildren, out Rusage usage) != 0)
        {
            throw new InvalidOperationException("getrusage failed: " + Marshal.GetLastWin32Error());
        }

        return usage.UserSeconds + (usage.UserMicroseconds / 1e6) + usage.SystemSeconds + (usage.SystemMicroseconds / 1e6);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int getrusage(int who, out Rusage usage);

    [DllImport("libc", SetLastError = true)]
    private static extern long sysconf(int name);

    [StructLayout(LayoutKind.Sequential)]
    private struct Rusage
    {
        public long UserSeconds;
        public long UserMicroseconds;
        public long SystemSeconds;
        public long SystemMicroseconds;

        // maxrss ... nivcsw: fourteen longs the benchmark does not need, but the kernel writes.
        [MarshalAs(UnmanagedType.ByValArray, SizeConst = 14)]
        public long[] Rest;
    }
}
