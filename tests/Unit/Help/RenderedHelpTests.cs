using System.Text.RegularExpressions;
using Xunit;

namespace RedisCluster.Tests.Help;

/// <summary>Get-Help as a user reads it on a console: formatted text, not help objects.</summary>
public sealed class RenderedHelpTests
{
    public static IEnumerable<object[]> Cmdlets => CmdletSurface.ExportedCmdlets;

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void GetHelpFullPrintsEverySection(string cmdlet)
    {
        string text = TextCaptureHost.Render("Get-Help " + cmdlet + " -Full");
        foreach (string heading in new[] { "NAME", "SYNOPSIS", "SYNTAX", "DESCRIPTION", "PARAMETERS", "INPUTS", "OUTPUTS", "NOTES", "RELATED LINKS" })
        {
            Assert.True(Regex.IsMatch(text, "^" + heading + "\\s*$", RegexOptions.Multiline), "Get-Help " + cmdlet + " -Full prints no " + heading + " section:\n" + text);
        }

        Assert.Matches(new Regex(@"-+ Example 1: .+"), text);
        Assert.Matches(new Regex(@"Example 2: .+"), text);
        foreach (string parameter in CmdletSurface.Get(cmdlet).ParameterNames)
        {
            Assert.True(Regex.IsMatch(text, @"^    -" + parameter + @"\b", RegexOptions.Multiline), "Get-Help " + cmdlet + " -Full does not describe -" + parameter);
        }

        Assert.Contains("<CommonParameters>", text);
    }

    [Fact]
    public void GetHelpParameterPrintsTheParameterBlock()
    {
        string text = TextCaptureHost.Render("Get-Help Invoke-RedisCommand -Parameter BatchSize");
        Assert.Contains("-BatchSize <Int32>", text);
        Assert.Matches(new Regex(@"Default value\s+1000"), text);
        Assert.Matches(new Regex(@"Position\?\s+named"), text);
    }

    [Fact]
    public void GetHelpAboutTopicPrintsTheTopic()
    {
        string text = TextCaptureHost.Render("Get-Help about_RedisCluster");
        Assert.StartsWith("TOPIC", text.TrimStart());
        Assert.Contains("Start-RedisTunnel", text);
    }
}
