using System.Management.Automation;

namespace RedisCluster.Tests.Hosting;

/// <summary>Everything a script wrote, stream by stream.</summary>
public sealed class PowerShellResult
{
    public required IReadOnlyList<PSObject?> Output { get; init; }

    public required IReadOnlyList<ErrorRecord> Errors { get; init; }

    public required IReadOnlyList<string> Verbose { get; init; }

    public required IReadOnlyList<string> Warnings { get; init; }

    public required IReadOnlyList<string> Debug { get; init; }

    /// <summary>A terminating error that ended the script, if any.</summary>
    public Exception? Terminating { get; init; }

    public IEnumerable<object?> Values => Output.Select(o => o?.BaseObject);

    /// <summary>All text a user could have seen, for checks that a secret never appears.</summary>
    public string AllText()
    {
        var parts = new List<string>();
        parts.AddRange(Output.Select(o => o?.ToString() ?? string.Empty));
        foreach (var e in Errors)
        {
            parts.Add(e.ToString());
            parts.Add(e.Exception.ToString());
            parts.Add(e.ErrorDetails?.Message ?? string.Empty);
            parts.Add(e.TargetObject?.ToString() ?? string.Empty);
        }

        parts.AddRange(Verbose);
        parts.AddRange(Warnings);
        parts.AddRange(Debug);
        if (Terminating != null)
        {
            parts.Add(Terminating.ToString());
        }

        return string.Join("\n", parts);
    }
}
