using System.Text.RegularExpressions;
using RedisCluster.Tests.Hosting;
using Xunit;

namespace RedisCluster.Tests.Help;

/// <summary>
/// Every cmdlet the module exports (Get-Command -Module RedisCluster, so new cmdlets are covered
/// without touching this file) has a docs page that matches its real parameters, and Get-Help in a
/// hosted runspace shows the help built from that page.
/// </summary>
public sealed class CmdletHelpTests : IClassFixture<HelpSessionFixture>
{
    private readonly HelpSessionFixture _fixture;

    public CmdletHelpTests(HelpSessionFixture fixture)
    {
        _fixture = fixture;
    }

    public static IEnumerable<object[]> Cmdlets => CmdletSurface.ExportedCmdlets;

    [Fact]
    public void TheModuleExportsCmdlets()
    {
        Assert.Contains(CmdletSurface.All, c => c.Name == "Invoke-RedisCommand");
    }

    [Fact]
    public void EveryPageDocumentsAnExportedCmdlet()
    {
        var exported = CmdletSurface.All.Select(c => c.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var orphans = Directory.GetFiles(DocsPage.DocsDirectory, "*.md")
            .Select(Path.GetFileNameWithoutExtension)
            .Where(name => !exported.Contains(name!))
            .ToList();
        Assert.True(orphans.Count == 0, "docs/cmdlets has pages for cmdlets the module does not export: " + string.Join(", ", orphans));
    }

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void HasADocsPage(string cmdlet)
    {
        Assert.True(File.Exists(DocsPage.PathFor(cmdlet)), cmdlet + " has no help page; add docs/cmdlets/" + cmdlet + ".md (PlatyPS markdown, see the other pages).");
        DocsPage page = DocsPage.Load(DocsPage.PathFor(cmdlet));
        Assert.Equal(cmdlet, page.Title);
        Assert.Equal("RedisCluster.PowerShell.dll-Help.xml", page.FrontMatter.GetValueOrDefault("external help file"));
        Assert.Equal("RedisCluster", page.FrontMatter.GetValueOrDefault("Module Name"));
        Assert.Equal("2.0.0", page.FrontMatter.GetValueOrDefault("schema"));
        Assert.True(page.FrontMatter.ContainsKey("online version"), cmdlet + ".md: the front matter has no 'online version:' line.");
    }

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void PageDescribesEveryParameterAndNoOther(string cmdlet)
    {
        CmdletSurface surface = CmdletSurface.Get(cmdlet);
        DocsPage page = LoadPage(cmdlet);
        var documented = page.Parameters.Select(p => p.Name).ToList();
        var actual = surface.ParameterNames.ToList();

        var missing = actual.Where(a => !documented.Contains(a, StringComparer.OrdinalIgnoreCase)).ToList();
        var unknown = documented.Where(d => !actual.Contains(d, StringComparer.OrdinalIgnoreCase)).ToList();
        var problems = new List<string>();
        if (missing.Count > 0)
        {
            problems.Add(cmdlet + ".md does not describe: -" + string.Join(", -", missing));
        }

        if (unknown.Count > 0)
        {
            problems.Add(cmdlet + ".md describes parameters the cmdlet does not have: -" + string.Join(", -", unknown));
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.True(documented.Count == documented.Distinct(StringComparer.OrdinalIgnoreCase).Count(), cmdlet + ".md describes a parameter twice.");
        Assert.True(page.HasCommonParameters, cmdlet + ".md has no '### CommonParameters' entry.");
        Assert.All(page.Parameters, p => Assert.False(CmdletSurface.IsCommon(p.Name), cmdlet + ".md describes the common parameter -" + p.Name + " as its own."));
    }

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void PageParameterMetadataMatchesTheCmdlet(string cmdlet)
    {
        CmdletSurface surface = CmdletSurface.Get(cmdlet);
        DocsPage page = LoadPage(cmdlet);
        var allSets = surface.ParameterSets.Select(s => s.Name).ToList();
        var problems = new List<string>();
        foreach (var (name, metadata) in page.Parameters)
        {
            if (!surface.ParameterNames.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                continue; // reported by PageDescribesEveryParameterAndNoOther
            }

            if (metadata.Count == 0)
            {
                problems.Add("-" + name + ": no ```yaml metadata block");
                continue;
            }

            IReadOnlyList<string> sets = surface.SetsOf(name);
            foreach (string set in sets)
            {
                // The yaml block that covers this set: one naming it, or the (All) block.
                var block = metadata.FirstOrDefault(m => SplitList(m.GetValueOrDefault("Parameter Sets")).Contains(set, StringComparer.OrdinalIgnoreCase))
                    ?? metadata.FirstOrDefault(m => m.GetValueOrDefault("Parameter Sets") == "(All)");
                if (block == null)
                {
                    problems.Add("-" + name + ": no metadata block covers parameter set '" + set + "'");
                    continue;
                }

                ParameterInSet actual = surface.In(name, set);
                string where = "-" + name + " (set " + set + "): ";
                Check(problems, where + "Type", actual.TypeName, block.GetValueOrDefault("Type"));
                Check(problems, where + "Required", actual.Mandatory ? "True" : "False", block.GetValueOrDefault("Required"));
                Check(problems, where + "Position", actual.Position == int.MinValue ? "Named" : actual.Position.ToString(), block.GetValueOrDefault("Position"));
                Check(problems, where + "Accept pipeline input", PipelineText(actual), NormalizePipeline(block.GetValueOrDefault("Accept pipeline input")));
                Check(problems, where + "Aliases", string.Join(", ", actual.Aliases.Order(StringComparer.OrdinalIgnoreCase)),
                    string.Join(", ", SplitList(block.GetValueOrDefault("Aliases")).Where(a => a != "None").Order(StringComparer.OrdinalIgnoreCase)));
            }

            string expectedSets = sets.Count == allSets.Count ? "(All)" : string.Join(", ", sets.Order(StringComparer.OrdinalIgnoreCase));
            string documentedSets = metadata.Count == 1 && metadata[0].GetValueOrDefault("Parameter Sets") == "(All)"
                ? "(All)"
                : string.Join(", ", metadata.SelectMany(m => SplitList(m.GetValueOrDefault("Parameter Sets"))).Order(StringComparer.OrdinalIgnoreCase));
            Check(problems, "-" + name + ": Parameter Sets", expectedSets, documentedSets);
            foreach (var block in metadata)
            {
                foreach (string key in new[] { "Type", "Parameter Sets", "Aliases", "Required", "Position", "Default value", "Accept pipeline input", "Accept wildcard characters" })
                {
                    if (!block.ContainsKey(key))
                    {
                        problems.Add("-" + name + ": the metadata has no '" + key + ":' line");
                    }
                }
            }
        }

        Assert.True(problems.Count == 0, cmdlet + ".md disagrees with the cmdlet:\n  " + string.Join("\n  ", problems));
    }

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void PageSyntaxMatchesTheParameterSets(string cmdlet)
    {
        CmdletSurface surface = CmdletSurface.Get(cmdlet);
        DocsPage page = LoadPage(cmdlet);
        Assert.True(page.Syntax.Count == surface.ParameterSets.Count,
            cmdlet + ".md has " + page.Syntax.Count + " syntax block(s); the cmdlet has " + surface.ParameterSets.Count + " parameter set(s): "
            + string.Join(", ", surface.ParameterSets.Select(s => s.Name)));
        foreach (var set in surface.ParameterSets)
        {
            (string? Heading, string Text) block;
            if (surface.ParameterSets.Count == 1)
            {
                block = page.Syntax[0];
                Assert.True(block.Heading == null || block.Heading.StartsWith(set.Name, StringComparison.Ordinal),
                    cmdlet + ".md: the syntax heading '" + block.Heading + "' is not the parameter set's name " + set.Name + ".");
            }
            else
            {
                string heading = set.Name + (set.IsDefault ? " (Default)" : string.Empty);
                block = page.Syntax.FirstOrDefault(s => s.Heading == heading);
                Assert.True(block.Text != null, cmdlet + ".md has no '### " + heading + "' syntax block.");
            }

            // The block must read as Get-Command shows the set (wrapping and type-name case aside), so
            // positions ([-Name] <T> vs -Name <T>), optional parameters and types are all checked.
            string expected = Normalize(cmdlet + " " + set.Syntax);
            string actual = Normalize(block.Text);
            Assert.True(string.Equals(expected, actual, StringComparison.OrdinalIgnoreCase),
                cmdlet + ".md, parameter set " + set.Name + ":\n  page:        " + actual + "\n  Get-Command: " + expected);
        }
    }

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void PageHasExamplesWithOutputAndOneForACluster(string cmdlet)
    {
        DocsPage page = LoadPage(cmdlet);
        Assert.True(page.Examples.Count >= 2, cmdlet + ".md has " + page.Examples.Count + " example(s); it needs at least 2.");
        foreach (var (title, code) in page.Examples)
        {
            Assert.True(code.Count > 0, cmdlet + ".md, '" + title + "' has no code block.");
            var lines = code.SelectMany(c => c.Split('\n')).Where(l => l.Trim().Length > 0).ToList();
            Assert.True(lines.Any(l => l.StartsWith("PS>", StringComparison.Ordinal)), cmdlet + ".md, '" + title + "' shows no command (a line starting with 'PS>').");
            Assert.True(lines.Any(l => !l.StartsWith("PS>", StringComparison.Ordinal) && !l.StartsWith(">>", StringComparison.Ordinal)),
                cmdlet + ".md, '" + title + "' shows no output; show what the user sees.");
        }

        Assert.True(page.Examples.Any(e => e.Title.Contains("cluster", StringComparison.OrdinalIgnoreCase) || e.Code.Any(c => c.Contains("-Cluster", StringComparison.Ordinal))),
            cmdlet + ".md has no example for a Redis Cluster.");
    }

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void GetHelpFullShowsSynopsisDescriptionAndExamples(string cmdlet)
    {
        var values = _fixture.Session.RunClean(@"
            $h = Get-Help $name -Full
            [string]$h.Synopsis
            ($h.description | ForEach-Object { $_.Text }) -join ""`n""
            @($h.examples.example).Count
            @($h.examples.example | Where-Object { $_.code -and $_.remarks -and ($_.remarks | ForEach-Object Text) -join '' }).Count
            [string]$h.ModuleName",
            new Dictionary<string, object?> { ["name"] = cmdlet });
        string synopsis = ((string)values[0]!).Trim();
        string description = ((string)values[1]!).Trim();
        int examples = (int)values[2]!;
        int complete = (int)values[3]!;

        // Without MAML, Get-Help makes up help whose synopsis is the syntax and that has no description or examples.
        Assert.False(string.IsNullOrEmpty(synopsis), "Get-Help " + cmdlet + " shows no synopsis.");
        Assert.False(synopsis.StartsWith(cmdlet + " ", StringComparison.OrdinalIgnoreCase) && synopsis.Contains("[<CommonParameters>]", StringComparison.Ordinal),
            "Get-Help " + cmdlet + " shows the generated synopsis (its syntax): the MAML help was not found.\n" + synopsis);
        Assert.False(string.IsNullOrEmpty(description), "Get-Help " + cmdlet + " -Full shows no description.");
        Assert.True(examples >= 2, "Get-Help " + cmdlet + " -Full shows " + examples + " example(s); at least 2 are needed.");
        Assert.Equal(examples, complete);
        Assert.Equal("RedisCluster", values[4]);
    }

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void GetHelpParametersMatchTheCmdlet(string cmdlet)
    {
        // The chain page -> MAML -> Get-Help: what a user reads in Get-Help -Parameter agrees with the cmdlet.
        CmdletSurface surface = CmdletSurface.Get(cmdlet);
        var lines = _fixture.Session.RunClean(@"
            foreach ($p in (Get-Help $name -Full).parameters.parameter) {
                $text = ($p.description | ForEach-Object { $_.Text }) -join ' '
                $p.name, $p.required, $p.position, $p.pipelineInput, $p.aliases, $text.Length -join ""`t""
            }",
            new Dictionary<string, object?> { ["name"] = cmdlet }).Select(o => ((string)o!).Split('\t')).ToList();

        var names = lines.Select(l => l[0]).ToList();
        Assert.Equal(surface.ParameterNames.Order(StringComparer.OrdinalIgnoreCase), names.Order(StringComparer.OrdinalIgnoreCase), StringComparer.OrdinalIgnoreCase);
        foreach (string[] help in lines)
        {
            string name = help[0];
            // Get-Help shows one entry per parameter: compare with the parameter's first set, as PlatyPS renders the first block.
            ParameterInSet actual = surface.In(name, surface.SetsOf(name)[0]);
            Assert.True(string.Equals(actual.Mandatory ? "true" : "false", help[1], StringComparison.OrdinalIgnoreCase), "Get-Help " + cmdlet + " -" + name + ": Required? " + help[1]);
            Assert.True(string.Equals(actual.Position == int.MinValue ? "named" : actual.Position.ToString(), help[2], StringComparison.OrdinalIgnoreCase),
                "Get-Help " + cmdlet + " -" + name + ": Position? " + help[2]);
            Assert.Equal(PipelineText(actual), NormalizePipeline(help[3]));
            Assert.True(int.Parse(help[5]) > 0, "Get-Help " + cmdlet + " -" + name + " has no description.");
        }
    }

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void GetHelpSyntaxHasOneItemPerParameterSet(string cmdlet)
    {
        CmdletSurface surface = CmdletSurface.Get(cmdlet);
        var counts = _fixture.Session.RunClean(@"
            foreach ($item in (Get-Help $name -Full).syntax.syntaxItem) { @($item.parameter).Count }",
            new Dictionary<string, object?> { ["name"] = cmdlet }).Select(o => (int)o!).ToList();
        Assert.Equal(surface.ParameterSets.Count, counts.Count);
        var expected = surface.ParameterSets
            .Select(set => surface.ParameterNames.Count(p => surface.SetsOf(p).Contains(set.Name)))
            .Order();
        Assert.Equal(expected, counts.Order());
    }

    private static DocsPage LoadPage(string cmdlet)
    {
        string path = DocsPage.PathFor(cmdlet);
        Assert.True(File.Exists(path), cmdlet + " has no help page docs/cmdlets/" + cmdlet + ".md.");
        return DocsPage.Load(path);
    }

    private static void Check(List<string> problems, string what, string expected, string? documented)
    {
        if (!string.Equals(expected, documented ?? string.Empty, StringComparison.OrdinalIgnoreCase))
        {
            problems.Add(what + ": the page says '" + documented + "', the cmdlet has '" + expected + "'");
        }
    }

    private static List<string> SplitList(string? text)
        => (text ?? string.Empty).Split(',').Select(s => s.Trim()).Where(s => s.Length > 0).ToList();

    private static string PipelineText(ParameterInSet p)
        => !p.ByValue && !p.ByPropertyName ? "False"
            : "True (" + string.Join(", ", new[] { p.ByPropertyName ? "ByPropertyName" : null, p.ByValue ? "ByValue" : null }.Where(s => s != null)) + ")";

    /// <summary>"true (ByValue, ByPropertyName)" and "True (ByPropertyName, ByValue)" mean the same.</summary>
    private static string NormalizePipeline(string? text)
    {
        string t = (text ?? string.Empty).Trim();
        if (t.StartsWith("false", StringComparison.OrdinalIgnoreCase))
        {
            return "False";
        }

        bool byValue = t.Contains("ByValue", StringComparison.OrdinalIgnoreCase);
        bool byName = t.Contains("ByPropertyName", StringComparison.OrdinalIgnoreCase);
        return "True (" + string.Join(", ", new[] { byName ? "ByPropertyName" : null, byValue ? "ByValue" : null }.Where(s => s != null)) + ")";
    }

    private static string Normalize(string text) => Regex.Replace(text, @"\s+", " ").Trim();
}

/// <summary>One runspace with the staged module imported, shared by the Get-Help tests.</summary>
public sealed class HelpSessionFixture : IDisposable
{
    public PowerShellSession Session { get; } = new();

    public void Dispose() => Session.Dispose();
}
