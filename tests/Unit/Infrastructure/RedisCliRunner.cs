using System.Diagnostics;

namespace RedisCluster.Tests.Infrastructure;

/// <summary>Runs redis-cli as a child process (no shell) with a hard timeout.</summary>
internal static class RedisCliRunner
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    public readonly record struct Result(int ExitCode, string Stdout, string Stderr);

    /// <summary>Runs redis-cli; on timeout kills it and throws <see cref="TimeoutException"/> with its output so far.</summary>
    public static Result Run(IEnumerable<string> args, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(RedisExecutables.Cli)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string arg in args)
        {
            psi.ArgumentList.Add(arg);
        }
        using Process process = Process.Start(psi) ?? throw new InvalidOperationException("Could not start redis-cli.");
        process.StandardInput.Close();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }
            process.WaitForExit(5000);
            string partialOut = stdout.Wait(2000) ? stdout.Result : "";
            string partialErr = stderr.Wait(2000) ? stderr.Result : "";
            throw new TimeoutException(
                $"redis-cli {Describe(psi)} did not finish within {timeout.TotalSeconds:0.#} s and was killed.\n" +
                $"--- stdout ---\n{partialOut}\n--- stderr ---\n{partialErr}");
        }
        process.WaitForExit(); // flush async readers
        return new Result(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    /// <summary>Runs redis-cli and returns trimmed stdout; throws if the exit code is not 0.</summary>
    public static string RunChecked(IEnumerable<string> args, TimeSpan timeout)
    {
        string[] list = args.ToArray();
        Result result = Run(list, timeout);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"redis-cli {string.Join(' ', Redact(list))} exited with {result.ExitCode}.\n" +
                $"--- stderr ---\n{result.Stderr.Trim()}\n--- stdout ---\n{result.Stdout.Trim()}");
        }
        return result.Stdout.Trim();
    }

    private static string Describe(ProcessStartInfo psi) => string.Join(' ', Redact(psi.ArgumentList));

    /// <summary>Hides the value after --pass / -a in messages.</summary>
    private static IEnumerable<string> Redact(IEnumerable<string> args)
    {
        bool hideNext = false;
        foreach (string arg in args)
        {
            yield return hideNext ? "***" : arg;
            hideNext = arg is "--pass" or "-a";
        }
    }
}
