using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace RedisCluster.Bench;

/// <summary>Runs the staged module in-process, as a user's pwsh session would (there is no pwsh here).</summary>
public sealed class ModuleHost : IDisposable
{
    private readonly Runspace _runspace;

    public ModuleHost(string manifest)
    {
        _runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
        _runspace.Open();
        Invoke("Import-Module '" + manifest.Replace("'", "''") + "' -ErrorAction Stop");
    }

    /// <summary>
    /// Runs a script; <paramref name="variables"/> are set in the session first, so that secrets such as a
    /// PSCredential reach the cmdlets as objects and never appear in the script text.
    /// </summary>
    public List<object?> Invoke(string script, IReadOnlyDictionary<string, object?>? variables = null)
    {
        foreach (var pair in variables ?? new Dictionary<string, object?>())
        {
            _runspace.SessionStateProxy.SetVariable(pair.Key, pair.Value);
        }

        using var ps = PowerShell.Create();
        ps.Runspace = _runspace;
        ps.AddScript(script);
        var output = ps.Invoke();
        if (ps.HadErrors)
        {
            throw new InvalidOperationException("Script failed: " + script + "\n" + string.Join("\n", ps.Streams.Error.Select(e => e.ToString())));
        }

        return output.Select(o => o?.BaseObject).ToList();
    }

    public void Dispose() => _runspace.Dispose();
}
