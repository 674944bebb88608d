using System.Text.RegularExpressions;
using RedisCluster.Tests.Hosting;

namespace RedisCluster.Tests.Help;

/// <summary>
/// A cmdlet page of docs/cmdlets, read the simple way (line by line) so that the tests check the
/// markdown independently of the build's converter.
/// </summary>
public sealed class DocsPage
{
    private static readonly Regex Fence = new(@"^\s*```(\w*)\s*$");

    public required string Path { get; init; }

    public string? Title { get; private set; }

    public Dictionary<string, string> FrontMatter { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>SYNTAX code blocks, with the '### Set' heading above each (null when there is none).</summary>
    public List<(string? Heading, string Text)> Syntax { get; } = new();

    /// <summary>'### -Name' entries of PARAMETERS, with their yaml blocks as key/value pairs.</summary>
    public List<(string Name, List<Dictionary<string, string>> Metadata)> Parameters { get; } = new();

    public List<(string Title, List<string> Code)> Examples { get; } = new();

    public bool HasCommonParameters { get; private set; }

    public static string DocsDirectory => System.IO.Path.Combine(RepositoryPaths.Root, "docs", "cmdlets");

    public static string PathFor(string cmdlet) => System.IO.Path.Combine(DocsDirectory, cmdlet + ".md");

    public static DocsPage Load(string path)
    {
        var page = new DocsPage { Path = path };
        string[] lines = File.ReadAllText(path).Replace("\r\n", "\n").Split('\n');
        int i = 0;
        if (lines.Length > 0 && lines[0].Trim() == "---")
        {
            for (i = 1; i < lines.Length && lines[i].Trim() != "---"; i++)
            {
                int colon = lines[i].IndexOf(':');
                if (colon > 0)
                {
                    page.FrontMatter[lines[i][..colon].Trim()] = lines[i][(colon + 1)..].Trim();
                }
            }

            i++;
        }

        string section = string.Empty;
        string? heading = null;
        for (; i < lines.Length; i++)
        {
            string line = lines[i];
            Match fence = Fence.Match(line);
            if (fence.Success)
            {
                var code = new List<string>();
                for (i++; i < lines.Length && !Fence.IsMatch(lines[i]); i++)
                {
                    code.Add(lines[i]);
                }

                page.AddCode(section, heading, fence.Groups[1].Value, code);
                continue;
            }

            if (line.StartsWith("# ", StringComparison.Ordinal))
            {
                page.Title = line[2..].Trim();
            }
            else if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                section = line[3..].Trim().ToUpperInvariant();
                heading = null;
            }
            else if (line.StartsWith("### ", StringComparison.Ordinal))
            {
                heading = line[4..].Trim();
                if (section == "EXAMPLES")
                {
                    page.Examples.Add((heading, new List<string>()));
                }
                else if (section == "PARAMETERS" && heading.StartsWith('-'))
                {
                    page.Parameters.Add((heading[1..], new List<Dictionary<string, string>>()));
                }
                else if (section == "PARAMETERS" && heading == "CommonParameters")
                {
                    page.HasCommonParameters = true;
                }
            }
        }

        return page;
    }

    private void AddCode(string section, string? heading, string language, List<string> code)
    {
        switch (section)
        {
            case "SYNTAX":
                Syntax.Add((heading, string.Join("\n", code)));
                break;
            case "EXAMPLES" when Examples.Count > 0:
                Examples[^1].Code.Add(string.Join("\n", code));
                break;
            case "PARAMETERS" when language == "yaml" && Parameters.Count > 0 && heading != null && heading.StartsWith('-'):
                var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                foreach (string line in code)
                {
                    int colon = line.IndexOf(':');
                    if (colon > 0)
                    {
                        values[line[..colon].Trim()] = line[(colon + 1)..].Trim();
                    }
                }

                Parameters[^1].Metadata.Add(values);
                break;
        }
    }
}
