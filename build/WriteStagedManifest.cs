using System;
using System.IO;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

/// <summary>
/// Writes the staged module manifest: the source RedisCluster.psd1 with its ReleaseNotes replaced by the top
/// section of CHANGELOG.md, so that the package (and Get-PSResource, the gallery page) shows what changed.
/// The source manifest keeps a pointer to the changelog instead of a copy that would drift.
/// </summary>
public sealed class WriteStagedManifest : Task
{
    [Required] public string SourceManifest { get; set; } = string.Empty;
    [Required] public string ChangeLog { get; set; } = string.Empty;
    [Required] public string OutputManifest { get; set; } = string.Empty;

    // One line "ReleaseNotes = '...'" in PrivateData.PSData (a single-quoted string without quotes inside).
    private static readonly Regex ReleaseNotesLine = new Regex(@"^(?<indent>[ \t]*ReleaseNotes[ \t]*=[ \t]*)'[^'\r\n]*'[ \t]*$", RegexOptions.Multiline);

    public override bool Execute()
    {
        var manifest = File.ReadAllText(SourceManifest);
        if (ReleaseNotesLine.Matches(manifest).Count != 1)
        {
            Log.LogError(null, "RCPKG001", null, SourceManifest, 0, 0, 0, 0, "The manifest needs exactly one line ReleaseNotes = '<text>' in PrivateData.PSData; the build replaces it with the top section of CHANGELOG.md.");
            return false;
        }

        var notes = TopSection(File.ReadAllLines(ChangeLog));
        if (notes.Length == 0)
        {
            Log.LogError(null, "RCPKG002", null, ChangeLog, 0, 0, 0, 0, "CHANGELOG.md has no '## ' section to use as the release notes.");
            return false;
        }

        // A single-quoted PowerShell string: only the quote itself needs escaping (doubled).
        var quoted = "'" + notes.Replace("'", "''") + "'";
        var staged = ReleaseNotesLine.Replace(manifest, m => m.Groups["indent"].Value + quoted);

        // Unchanged text keeps its timestamp, so incremental builds and the package check stay quiet.
        if (!File.Exists(OutputManifest) || File.ReadAllText(OutputManifest) != staged)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(OutputManifest)!);
            File.WriteAllText(OutputManifest, staged, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        }

        return true;
    }

    // From the first "## " heading (kept) up to the next one, without trailing blank lines.
    private static string TopSection(string[] lines)
    {
        var start = Array.FindIndex(lines, l => l.StartsWith("## ", StringComparison.Ordinal));
        if (start < 0)
        {
            return string.Empty;
        }

        var end = Array.FindIndex(lines, start + 1, l => l.StartsWith("## ", StringComparison.Ordinal));
        var section = new StringBuilder();
        for (var i = start; i < (end < 0 ? lines.Length : end); i++)
        {
            section.Append(lines[i].TrimEnd()).Append('\n');
        }

        return section.ToString().Trim();
    }
}
