using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace RedisCluster.Tests.Hosting;

/// <summary>
/// A real PowerShell runspace with the staged module imported through its manifest, driven the way
/// a user drives it: by running script text.
/// </summary>
public sealed class PowerShellSession : IDisposable
{
    private readonly Runspace _runspace;

    public PowerShellSession()
    {
        if (!File.Exists(RepositoryPaths.ModuleManifest))
        {
            throw new InvalidOperationException("The staged module is missing at " + RepositoryPaths.ModuleManifest + "; build the solution first.");
        }

        var state = InitialSessionState.CreateDefault2();
        _runspace = RunspaceFactory.CreateRunspace(state);
        _runspace.Open();
        var import = Run("Import-Module '" + RepositoryPaths.ModuleManifest.Replace("'", "''") + "' -ErrorAction Stop");
        if (import.Terminating != null || import.Errors.Count > 0)
        {
            throw new InvalidOperationException("Import-Module failed: " + import.AllText());
        }
    }

    /// <summary>The runspace, for tests that drive a pipeline themselves (for example to stop it).</summary>
    public Runspace Runspace => _runspace;

    /// <summary>Runs a script; variables persist between calls, like an interactive session.</summary>
    public PowerShellResult Run(string script, IDictionary<string, object?>? variables = null)
    {
        using var ps = PowerShell.Create();
        ps.Runspace = _runspace;
        if (variables != null)
        {
            foreach (var pair in variables)
            {
                _runspace.SessionStateProxy.SetVariable(pair.Key, pair.Value);
            }
        }

        ps.AddScript(script);
        Collection<PSObject> output = new();
        Exception? terminating = null;
        try
        {
            output = ps.Invoke();
        }
        catch (RuntimeException ex)
        {
            terminating = ex;
        }

        return new PowerShellResult
        {
            Output = output.ToList(),
            Errors = ps.Streams.Error.ToList(),
            Verbose = ps.Streams.Verbose.Select(v => v.Message).ToList(),
            Warnings = ps.Streams.Warning.Select(v => v.Message).ToList(),
            Debug = ps.Streams.Debug.Select(v => v.Message).ToList(),
            Terminating = terminating,
        };
    }

    /// <summary>Runs a script that must succeed without any error, and returns its output values.</summary>
    public List<object?> RunClean(string script, IDictionary<string, object?>? variables = null)
    {
        var result = Run(script, variables);
        if (result.Terminating != null || result.Errors.Count > 0)
        {
            throw new Xunit.Sdk.XunitException("Script failed:\n" + script + "\n---\n" + result.AllText());
        }

        return result.Values.ToList();
    }

    /// <summary>
    /// Runs a script that must stop with a terminating error (one that try/catch catches without
    /// -ErrorAction Stop), and returns that error together with everything written.
    /// </summary>
    public (ErrorRecord Error, PowerShellResult Result) RunExpectingTerminatingError(string script, IDictionary<string, object?>? variables = null)
    {
        var result = Run("try {\n" + script + "\n; 'RC-TEST-NOT-STOPPED' } catch { $_ }", variables);
        var caught = result.Values.OfType<ErrorRecord>().ToList();
        if (result.Values.Contains("RC-TEST-NOT-STOPPED") || caught.Count != 1)
        {
            throw new Xunit.Sdk.XunitException("Expected one terminating error from:\n" + script + "\n---\n" + result.AllText());
        }

        return (caught[0], result);
    }

    public void Dispose()
    {
        _runspace.Dispose();
    }
}
