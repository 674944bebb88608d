using System.Diagnostics;

namespace RedisCluster.Bench;

/// <summary>Runs redis-benchmark / redis-cli and times them.</summary>
public static class ExternalTool
{
    public static (string Output, double Seconds) Run(string file, IEnumerable<string> args, string? stdinFile = null, int timeoutSeconds = 900)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdinFile != null,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start " + file);
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (stdinFile != null)
        {
            using (var input = File.OpenRead(stdinFile))
            {
                input.CopyTo(process.StandardInput.BaseStream);
            }

            process.StandardInput.Close();
        }

        if (!process.WaitForExit(timeoutSeconds * 1000))
        {
            process.Kill(true);
            throw new TimeoutException(file + " did not finish in " + timeoutSeconds + " s");
        }

        clock.Stop();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(file + " failed (" + process.ExitCode + "): " + stderr.Result);
        }

        return (stdout.Result + stderr.Result, clock.Elapsed.TotalSeconds);
    }
}
