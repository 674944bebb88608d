using System.Xml.Linq;
using RedisCluster.Tests.Hosting;
using Xunit;

namespace RedisCluster.Tests.Help;

/// <summary>
/// The help files that the build stages next to the module (en-US/): the MAML generated from
/// docs/cmdlets and the about_RedisCluster topic, and what Get-Help makes of the topic.
/// </summary>
public sealed class AboutTopicAndMamlTests : IClassFixture<HelpSessionFixture>
{
    private static readonly XNamespace Msh = "http://msh";
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    private readonly HelpSessionFixture _fixture;

    public AboutTopicAndMamlTests(HelpSessionFixture fixture)
    {
        _fixture = fixture;
    }

    private static string StagedHelp => Path.Combine(RepositoryPaths.Root, "out", "RedisCluster", "en-US");

    private static string StagedMaml => Path.Combine(StagedHelp, "RedisCluster.PowerShell.dll-Help.xml");

    private static string StagedAbout => Path.Combine(StagedHelp, "about_RedisCluster.help.txt");

    public static IEnumerable<object[]> Cmdlets => CmdletSurface.ExportedCmdlets;

    [Fact]
    public void TheBuildStagesTheHelpNextToTheModule()
    {
        Assert.True(File.Exists(StagedMaml), "The build did not stage " + StagedMaml + " (target BuildHelp before StageModule).");
        Assert.True(File.Exists(StagedAbout), "The build did not stage " + StagedAbout + ".");
    }

    [Fact]
    public void GetHelpFindsTheAboutTopic()
    {
        var values = _fixture.Session.RunClean("Get-Help about_RedisCluster | ForEach-Object { [string]$_ }");
        string text = string.Join("\n", values);
        Assert.Contains("about_RedisCluster", text);
        Assert.Contains("SHORT DESCRIPTION", text);
        Assert.Contains("LONG DESCRIPTION", text);
        foreach (string subject in new[] { "Start-RedisFill", "Start-RedisTunnel", "{user1}.a", "Pinned", "Smart", "-SkipCertificateCheck", "127.0.0.1", "PSCredential" })
        {
            Assert.Contains(subject, text);
        }
    }

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void TheAboutTopicNamesEveryCmdlet(string cmdlet)
    {
        Assert.Contains(cmdlet, File.ReadAllText(StagedAbout));
    }

    [Fact]
    public void TheCommittedAboutTextIsTheOneTheBuildMakes()
    {
        // build.ps1 -Task Docs copies docs/about_RedisCluster.help.txt when PlatyPS builds the MAML; the build
        // writes it from docs/about_RedisCluster.help.md. Both must ship the same text.
        string committed = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "docs", "about_RedisCluster.help.txt")).Replace("\r\n", "\n");
        string built = File.ReadAllText(StagedAbout).Replace("\r\n", "\n");
        Assert.True(committed == built,
            "docs/about_RedisCluster.help.txt is out of date with docs/about_RedisCluster.help.md: copy out/help/en-US/about_RedisCluster.help.txt over it after a build.");
    }

    [Fact]
    public void TheAboutTopicFitsAConsole()
    {
        var lines = File.ReadAllLines(StagedAbout);
        Assert.Equal("TOPIC", lines[0]);
        var prose = lines.Where(l => !l.StartsWith("        ", StringComparison.Ordinal) && !l.Contains("://", StringComparison.Ordinal));
        Assert.All(prose, l => Assert.True(l.Length < 80, "Longer than 79 columns: " + l));
    }

    [Fact]
    public void TheMamlHasOneCommandPerExportedCmdlet()
    {
        XDocument maml = XDocument.Load(StagedMaml);
        Assert.Equal(Msh + "helpItems", maml.Root!.Name);
        Assert.Equal("maml", (string?)maml.Root.Attribute("schema"));
        var names = maml.Root.Elements(Command + "command").Select(c => (string?)c.Element(Command + "details")?.Element(Command + "name")).ToList();
        Assert.Equal(CmdletSurface.All.Select(c => c.Name).Order(StringComparer.Ordinal), names.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void TheMamlCommandHasEveryPart(string cmdlet)
    {
        CmdletSurface surface = CmdletSurface.Get(cmdlet);
        XElement command = XDocument.Load(StagedMaml).Root!.Elements(Command + "command")
            .Single(c => (string?)c.Element(Command + "details")?.Element(Command + "name") == cmdlet);

        XElement details = command.Element(Command + "details")!;
        string[] verbNoun = cmdlet.Split('-', 2);
        Assert.Equal(verbNoun[0], (string?)details.Element(Command + "verb"));
        Assert.Equal(verbNoun[1], (string?)details.Element(Command + "noun"));
        Assert.NotEmpty(details.Element(Maml + "description")!.Elements(Maml + "para"));
        Assert.NotEmpty(command.Element(Maml + "description")!.Elements(Maml + "para"));

        Assert.Equal(surface.ParameterSets.Count, command.Element(Command + "syntax")!.Elements(Command + "syntaxItem").Count());
        var parameters = command.Element(Command + "parameters")!.Elements(Command + "parameter").ToList();
        Assert.Equal(surface.ParameterNames.Count(), parameters.Count);
        foreach (XElement parameter in parameters)
        {
            foreach (string attribute in new[] { "required", "variableLength", "globbing", "pipelineInput", "position", "aliases" })
            {
                Assert.NotNull(parameter.Attribute(attribute));
            }

            Assert.NotNull(parameter.Element(Dev + "type")?.Element(Maml + "name"));
            Assert.NotNull(parameter.Element(Dev + "defaultValue"));
        }

        Assert.NotEmpty(command.Element(Command + "inputTypes")!.Elements(Command + "inputType"));
        Assert.NotEmpty(command.Element(Command + "returnValues")!.Elements(Command + "returnValue"));
        Assert.NotNull(command.Element(Maml + "alertSet")?.Element(Maml + "alert"));
        var examples = command.Element(Command + "examples")!.Elements(Command + "example").ToList();
        Assert.True(examples.Count >= 2);
        Assert.All(examples, e =>
        {
            Assert.Contains("Example", (string?)e.Element(Maml + "title"));
            Assert.False(string.IsNullOrWhiteSpace((string?)e.Element(Dev + "code")));
            Assert.NotEmpty(e.Element(Dev + "remarks")!.Elements(Maml + "para"));
        });
        Assert.NotEmpty(command.Element(Command + "relatedLinks")!.Elements(Maml + "navigationLink"));
    }
}
