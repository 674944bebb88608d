using System.Diagnostics;
using System.Globalization;
using System.Text;
namespace RedisCluster.Tests.Infrastructure;

/// <summary>
/// tests/TunnelTestHost run as a child process (plaintext upstream), optionally under <c>ulimit -n</c>: a tunnel
/// that runs out of descriptors or memory there cannot take the test host down with it.
/// </summary>
internal sealed class TunnelHostProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();

    private TunnelHostProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; private set; }

    public int Pid => _process.Id;

    public bool IsRunning => PosixProcess.IsRunning(_process);

    public string Errors
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Resident memory of the host now (VmRSS), in bytes.</summary>
    public long ResidentBytes
    {
        get
        {
            foreach (string line in File.ReadAllLines("/proc/" + Pid.ToString(CultureInfo.InvariantCulture) + "/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
                }
            }

            throw new InvalidOperationException("No VmRSS for process " + Pid);
        }
    }

    public static TunnelHostProcess Start(string upstream, string mode, int? descriptorLimit = null, int? maxClients = null, int portOffset = 0)
    {
        string dll = HostPath();
        string limit = descriptorLimit == null ? string.Empty : "ulimit -n " + descriptorLimit.Value.ToString(CultureInfo.InvariantCulture) + "; ";
        var info = new ProcessStartInfo("bash")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(limit + "exec dotnet \"$0\" \"$@\"");
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add(upstream);
        info.ArgumentList.Add(mode);
        info.ArgumentList.Add(maxClients?.ToString(CultureInfo.InvariantCulture) ?? "default");
        info.ArgumentList.Add(portOffset.ToString(CultureInfo.InvariantCulture));
        Process process = Process.Start(info)!;
        var host = new TunnelHostProcess(process, 0);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data != null)
            {
                lock (host._stderr)
                {
                    host._stderr.AppendLine(e.Data);
                }
            }
        };
        process.BeginErrorReadLine();
        Task<string?> ready = process.StandardOutput.ReadLineAsync();
        if (!ready.Wait(TimeSpan.FromSeconds(60)) || ready.Result == null || !ready.Result.StartsWith("READY ", StringComparison.Ordinal))
        {
            string why = ready.IsCompleted ? ready.Result ?? "(end of output)" : "(no answer in 60 s)";
            process.Kill();
            throw new InvalidOperationException("The tunnel host did not start: " + why + " " + host.Errors);
        }

        host.Port = int.Parse(ready.Result.Substring(6), CultureInfo.InvariantCulture);
        return host;
    }

    private static string HostPath()
    {
        // <project>/bin/<Configuration>/<tfm>/ -> tests/TunnelTestHost/bin/<Configuration>/<tfm>/TunnelTestHost.dll
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string tfm = here.Name;
        string configuration = here.Parent!.Name;
        DirectoryInfo root = here;
        while (!File.Exists(Path.Combine(root.FullName, "RedisCluster.slnx")))
        {
            root = root.Parent ?? throw new DirectoryNotFoundException("No RedisCluster.slnx above " + AppContext.BaseDirectory);
        }

        string path = Path.Combine(root.FullName, "tests", "TunnelTestHost", "bin", configuration, tfm, "TunnelTestHost.dll");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException("Build tests/TunnelTestHost first (the test project references it).", path);
        }

        return path;
    }

    public void Dispose()
    {
        try
        {
            _process.StandardInput.Close();
            if (!PosixProcess.WaitStopped(_process, TimeSpan.FromSeconds(15)))
            {
                _process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }
}
