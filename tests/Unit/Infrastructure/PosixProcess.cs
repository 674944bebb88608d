using System.Diagnostics;
using System.Runtime.InteropServices;

namespace RedisCluster.Tests.Infrastructure;

/// <summary>Signals and liveness checks for child processes (Linux).</summary>
internal static class PosixProcess
{
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;

    /// <summary>Linux: freezes a process (a hung node that keeps its sockets open) until <see cref="SIGCONT"/>.</summary>
    public const int SIGSTOP = 19;

    public const int SIGCONT = 18;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int sig);

    public static void Signal(int pid, int signal) => _ = SysKill(pid, signal);

    /// <summary>True while the process runs; an exited, reaped or zombie (state Z/X) process counts as stopped.</summary>
    public static bool IsRunning(Process process)
    {
        try
        {
            if (process.HasExited)
            {
                return false;
            }
        }
        catch (InvalidOperationException)
        {
            return false;
        }
        try
        {
            string stat = File.ReadAllText($"/proc/{process.Id}/stat");
            char state = stat[stat.LastIndexOf(')') + 2];
            return state is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Waits until the process is stopped (exited or zombie); true if it stopped in time.</summary>
    public static bool WaitStopped(Process process, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (IsRunning(process))
        {
            if (sw.Elapsed >= timeout)
            {
                return false;
            }
            if (process.WaitForExit(20))
            {
                return true;
            }
        }
        return true;
    }
}
