// MSBuild task (compiled by RoslynCodeTaskFactory, see Help.targets): turns the cmdlet pages in
// docs/cmdlets (PlatyPS markdown help, schema 2.0.0) into the MAML file PowerShell reads for Get-Help,
// laid out as PlatyPS's New-ExternalHelp lays it out, and turns docs/about_*.help.md into the
// plain-text about_*.help.txt topics. It needs no pwsh and no PlatyPS.
//
// Only the netstandard API is available here (the task factory compiles against it), and everything
// lives in one file without a namespace, as the factory requires.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class ConvertMarkdownHelp : Task
{
    /// <summary>The cmdlet pages (docs/cmdlets/*.md).</summary>
    [Required]
    public ITaskItem[] CommandPages { get; set; }

    /// <summary>about_*.help.md topics, each written as about_*.help.txt.</summary>
    public ITaskItem[] AboutPages { get; set; }

    /// <summary>The MAML file name every page must name as its "external help file" (RootModule + "-Help.xml").</summary>
    [Required]
    public string MamlFileName { get; set; }

    /// <summary>The module every page must name as its "Module Name".</summary>
    [Required]
    public string ModuleName { get; set; }

    [Required]
    public string OutputDirectory { get; set; }

    [Output]
    public ITaskItem[] WrittenFiles { get; set; }

    public override bool Execute()
    {
        var written = new List<ITaskItem>();
        var commands = new List<HelpCommandPage>();
        foreach (ITaskItem item in CommandPages ?? new ITaskItem[0])
        {
            string path = item.GetMetadata("FullPath");
            try
            {
                commands.Add(HelpCommandPage.Parse(path, File.ReadAllText(path), MamlFileName, ModuleName));
            }
            catch (HelpSchemaException ex)
            {
                Log.LogError(null, "RCHELP001", null, path, ex.Line, 0, 0, 0, ex.Message);
            }
        }

        var duplicates = commands.GroupBy(c => c.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).ToList();
        foreach (var group in duplicates)
        {
            Log.LogError(null, "RCHELP002", null, group.Last().Path, 0, 0, 0, 0, "More than one page documents " + group.Key + ".");
        }

        var topics = new List<KeyValuePair<string, string>>();
        foreach (ITaskItem item in AboutPages ?? new ITaskItem[0])
        {
            string path = item.GetMetadata("FullPath");
            try
            {
                string name = Path.GetFileName(path);
                name = name.Substring(0, name.Length - ".md".Length) + ".txt";
                topics.Add(new KeyValuePair<string, string>(name, AboutTopicWriter.Convert(path, File.ReadAllText(path))));
            }
            catch (HelpSchemaException ex)
            {
                Log.LogError(null, "RCHELP003", null, path, ex.Line, 0, 0, 0, ex.Message);
            }
        }

        if (Log.HasLoggedErrors)
        {
            return false;
        }

        Directory.CreateDirectory(OutputDirectory);
        string mamlPath = Path.Combine(OutputDirectory, MamlFileName);
        File.WriteAllText(mamlPath, MamlWriter.Write(commands.OrderBy(c => c.Name, StringComparer.Ordinal)), new UTF8Encoding(false));
        written.Add(new TaskItem(mamlPath));
        Log.LogMessage(MessageImportance.High, "Help: " + commands.Count + " cmdlet page(s) -> " + mamlPath);

        foreach (var topic in topics)
        {
            string topicPath = Path.Combine(OutputDirectory, topic.Key);
            File.WriteAllText(topicPath, topic.Value, new UTF8Encoding(false));
            written.Add(new TaskItem(topicPath));
            Log.LogMessage(MessageImportance.High, "Help: " + topic.Key + " -> " + topicPath);
        }

        WrittenFiles = written.ToArray();
        return true;
    }
}

/// <summary>A problem in a page, with the 1-based line it was found on (0: the whole file).</summary>
public sealed class HelpSchemaException : Exception
{
    public HelpSchemaException(int line, string message) : base(message)
    {
        Line = line;
    }

    public int Line { get; private set; }
}

/// <summary>One markdown block: a heading, a fenced code block or a run of text lines.</summary>
public sealed class MdBlock
{
    public const int Heading = 1;
    public const int Code = 2;
    public const int Text = 3;

    public int Kind;
    public int Level;
    public string Value;
    public string Info;
    public List<string> Lines = new List<string>();
    public int Line;

    public override string ToString() => Kind + ":" + Value;
}

/// <summary>The small part of CommonMark that help pages use: ATX headings, fenced code, paragraphs and lists.</summary>
public static class Md
{
    private static readonly Regex HeadingPattern = new Regex(@"^(#{1,6})\s+(.*?)\s*#*\s*$");
    private static readonly Regex FencePattern = new Regex(@"^\s{0,3}(```+|~~~+)\s*([^\s`]*)");
    private static readonly Regex ListPattern = new Regex(@"^\s{0,3}([-*+]|\d+[.)])\s+(.*)$");
    private static readonly Regex LinkPattern = new Regex(@"\[([^\]]+)\]\(([^)\s]*)\)");
    private static readonly Regex StrongPattern = new Regex(@"(\*\*|__)(?=\S)(.+?)(?<=\S)\1");
    private static readonly Regex EmphasisPattern = new Regex(@"(?<![\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?![\w*])");
    private static readonly Regex CodeSpanPattern = new Regex(@"(`+)(.+?)(?<!`)\1(?!`)");
    private static readonly Regex EscapePattern = new Regex(@"\\([\\`*_{}\[\]()#+\-.!<>|])");

    public static string[] SplitLines(string text) => text.Replace("\r\n", "\n").Replace('\r', '\n').Split('\n');

    /// <summary>Reads the YAML front matter (simple "key: value" lines) and returns the index of the first line after it.</summary>
    public static int ReadFrontMatter(string[] lines, Dictionary<string, string> values)
    {
        if (lines.Length == 0 || lines[0].Trim() != "---")
        {
            return 0;
        }

        for (int i = 1; i < lines.Length; i++)
        {
            string line = lines[i];
            if (line.Trim() == "---")
            {
                return i + 1;
            }

            int colon = line.IndexOf(':');
            if (colon > 0)
            {
                string value = line.Substring(colon + 1).Trim();
                if (value.Length >= 2 && (value[0] == '\'' || value[0] == '"') && value[value.Length - 1] == value[0])
                {
                    value = value.Substring(1, value.Length - 2);
                }

                values[line.Substring(0, colon).Trim()] = value;
            }
        }

        throw new HelpSchemaException(1, "The YAML front matter that starts on line 1 is never closed with '---'.");
    }

    public static List<MdBlock> Parse(string[] lines, int start)
    {
        var blocks = new List<MdBlock>();
        MdBlock text = null;
        for (int i = start; i < lines.Length; i++)
        {
            string line = lines[i];
            Match fence = FencePattern.Match(line);
            if (fence.Success)
            {
                text = null;
                string marker = fence.Groups[1].Value;
                var code = new MdBlock { Kind = MdBlock.Code, Info = fence.Groups[2].Value, Line = i + 1 };
                int indent = line.Length - line.TrimStart().Length;
                bool closed = false;
                for (i++; i < lines.Length; i++)
                {
                    string inner = lines[i];
                    if (inner.Trim().StartsWith(marker, StringComparison.Ordinal) && inner.Trim().Trim(marker[0]).Length == 0)
                    {
                        closed = true;
                        break;
                    }

                    int strip = 0;
                    while (strip < indent && strip < inner.Length && inner[strip] == ' ')
                    {
                        strip++;
                    }

                    code.Lines.Add(inner.Substring(strip).TrimEnd());
                }

                if (!closed)
                {
                    throw new HelpSchemaException(code.Line, "The code block that starts here is never closed with " + marker + ".");
                }

                code.Value = string.Join("\n", code.Lines);
                blocks.Add(code);
                continue;
            }

            Match heading = HeadingPattern.Match(line);
            if (heading.Success)
            {
                text = null;
                blocks.Add(new MdBlock { Kind = MdBlock.Heading, Level = heading.Groups[1].Value.Length, Value = heading.Groups[2].Value.Trim(), Line = i + 1 });
                continue;
            }

            if (line.Trim().Length == 0)
            {
                text = null;
                continue;
            }

            if (text == null)
            {
                text = new MdBlock { Kind = MdBlock.Text, Line = i + 1 };
                blocks.Add(text);
            }

            text.Lines.Add(line);
        }

        return blocks;
    }

    /// <summary>
    /// The paragraphs of a run of text blocks: soft-wrapped lines are joined; every list item is a
    /// paragraph of its own ("- item"), as PlatyPS renders them.
    /// </summary>
    public static List<string> Paragraphs(IEnumerable<MdBlock> blocks)
    {
        var result = new List<string>();
        foreach (MdBlock block in blocks)
        {
            if (block.Kind == MdBlock.Code)
            {
                result.Add(string.Join("\n", block.Lines.Select(l => "    " + l)));
                continue;
            }

            if (block.Kind != MdBlock.Text)
            {
                continue;
            }

            StringBuilder current = null;
            string previous = null;
            foreach (string raw in block.Lines)
            {
                Match item = ListPattern.Match(raw);
                if (item.Success)
                {
                    if (current != null)
                    {
                        result.Add(Inline(current.ToString()));
                    }

                    string marker = char.IsDigit(item.Groups[1].Value[0]) ? item.Groups[1].Value + " " : "- ";
                    current = new StringBuilder(marker).Append(item.Groups[2].Value.Trim());
                }
                else if (current == null)
                {
                    current = new StringBuilder(raw.Trim());
                }
                else
                {
                    // A line that ends in two spaces or a backslash is a hard break; otherwise lines join.
                    bool hard = previous.EndsWith("  ", StringComparison.Ordinal) || previous.EndsWith("\\", StringComparison.Ordinal);
                    if (previous.EndsWith("\\", StringComparison.Ordinal) && current.Length > 0 && current[current.Length - 1] == '\\')
                    {
                        current.Length--;
                    }

                    current.Append(hard ? "\n" : " ").Append(raw.Trim());
                }

                previous = raw;
            }

            if (current != null)
            {
                result.Add(Inline(current.ToString()));
            }
        }

        return result;
    }

    /// <summary>Plain text of inline markdown: emphasis markers and link targets go, `code` stays (as in PowerShell's own help).</summary>
    public static string Inline(string text)
    {
        // Code spans are left exactly as written, backticks included; only the text between them is plain-texted.
        var sb = new StringBuilder();
        int at = 0;
        foreach (Match span in CodeSpanPattern.Matches(text))
        {
            sb.Append(PlainText(text.Substring(at, span.Index - at))).Append(span.Value);
            at = span.Index + span.Length;
        }

        sb.Append(PlainText(text.Substring(at)));
        return sb.ToString().TrimEnd();
    }

    private static string PlainText(string text)
    {
        string s = LinkPattern.Replace(text, m => m.Groups[1].Value);
        s = StrongPattern.Replace(s, m => m.Groups[2].Value);
        s = EmphasisPattern.Replace(s, m => m.Groups[1].Value);
        return EscapePattern.Replace(s, m => m.Groups[1].Value);
    }

    public static bool IsPlaceholder(string text) => text.IndexOf("{{", StringComparison.Ordinal) >= 0 && text.IndexOf("}}", StringComparison.Ordinal) >= 0;
}

public sealed class HelpParameterSetMetadata
{
    public List<string> Sets = new List<string>();
    public bool Required;
    public string Position = "named";
    public string PipelineInput = "False";
    public bool Globbing;
    public string DefaultValue = "None";
    public List<string> AcceptedValues = new List<string>();
    public List<string> Aliases = new List<string>();
    public string Type;
    public bool AllSets;
}

public sealed class HelpParameter
{
    public string Name;
    public List<string> Description = new List<string>();
    public List<HelpParameterSetMetadata> Metadata = new List<HelpParameterSetMetadata>();

    public bool IsSwitch => string.Equals(Metadata[0].Type, "SwitchParameter", StringComparison.OrdinalIgnoreCase)
        || string.Equals(Metadata[0].Type, "switch", StringComparison.OrdinalIgnoreCase);
}

public sealed class HelpExample
{
    public string Title;
    public List<string> Code = new List<string>();
    public List<string> Remarks = new List<string>();
}

public sealed class HelpTypeEntry
{
    public string TypeName;
    public List<string> Description = new List<string>();
}

public sealed class HelpLink
{
    public string Text;
    public string Uri;
}

/// <summary>A cmdlet page in PlatyPS's markdown schema 2.0.0.</summary>
public sealed class HelpCommandPage
{
    private static readonly string[] SectionOrder =
    {
        "SYNOPSIS", "SYNTAX", "DESCRIPTION", "EXAMPLES", "PARAMETERS", "INPUTS", "OUTPUTS", "NOTES", "RELATED LINKS",
    };

    private static readonly HashSet<string> YamlKeys = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "Type", "Parameter Sets", "Aliases", "Accepted values", "Required", "Position", "Default value",
        "Accept pipeline input", "Accept wildcard characters",
    };

    private static readonly Regex PositionPattern = new Regex(@"^(Named|\d+)$", RegexOptions.IgnoreCase);
    private static readonly Regex PipelinePattern = new Regex(@"^(False|True \((ByValue|ByPropertyName|ByPropertyName, ByValue|ByValue, ByPropertyName)\))$", RegexOptions.IgnoreCase);
    private static readonly Regex LinkLinePattern = new Regex(@"^\s*(?:[-*]\s+)?\[([^\]]+)\]\(([^)]*)\)\s*$");

    public string Path;
    public string Name;
    public string OnlineVersion;
    public List<string> Synopsis = new List<string>();
    public List<string> Description = new List<string>();
    public List<string> SyntaxSets = new List<string>();
    public List<string> SyntaxSetNames = new List<string>();
    public List<HelpExample> Examples = new List<HelpExample>();
    public List<HelpParameter> Parameters = new List<HelpParameter>();
    public List<HelpTypeEntry> Inputs = new List<HelpTypeEntry>();
    public List<HelpTypeEntry> Outputs = new List<HelpTypeEntry>();
    public List<string> Notes = new List<string>();
    public List<HelpLink> Links = new List<HelpLink>();

    public static HelpCommandPage Parse(string path, string content, string mamlFileName, string moduleName)
    {
        string[] lines = Md.SplitLines(content);
        var front = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        int start = Md.ReadFrontMatter(lines, front);
        if (start == 0)
        {
            throw new HelpSchemaException(1, "The page has no YAML front matter (external help file, Module Name, online version, schema).");
        }

        Require(front, "schema", "2.0.0");
        Require(front, "external help file", mamlFileName);
        Require(front, "Module Name", moduleName);
        var page = new HelpCommandPage { Path = path };
        front.TryGetValue("online version", out page.OnlineVersion);

        List<MdBlock> blocks = Md.Parse(lines, start);
        int h1 = blocks.FindIndex(b => b.Kind == MdBlock.Heading && b.Level == 1);
        if (h1 < 0)
        {
            throw new HelpSchemaException(start + 1, "The page has no '# Command-Name' heading.");
        }

        page.Name = blocks[h1].Value;
        string fileName = System.IO.Path.GetFileNameWithoutExtension(path);
        if (!string.Equals(fileName, page.Name, StringComparison.OrdinalIgnoreCase))
        {
            throw new HelpSchemaException(blocks[h1].Line, "The page " + fileName + ".md documents '" + page.Name + "'; name the file after the cmdlet.");
        }

        if (blocks.FindIndex(h1 + 1, b => b.Kind == MdBlock.Heading && b.Level == 1) >= 0)
        {
            throw new HelpSchemaException(blocks.First(b => b.Kind == MdBlock.Heading && b.Level == 1 && b != blocks[h1]).Line, "A page documents one cmdlet: only one '#' heading.");
        }

        var sections = new Dictionary<string, List<MdBlock>>(StringComparer.OrdinalIgnoreCase);
        var sectionLines = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        List<MdBlock> current = null;
        int lastOrder = -1;
        for (int i = h1 + 1; i < blocks.Count; i++)
        {
            MdBlock block = blocks[i];
            if (block.Kind == MdBlock.Heading && block.Level == 2)
            {
                string title = block.Value.ToUpperInvariant();
                int order = Array.IndexOf(SectionOrder, title);
                if (order < 0)
                {
                    throw new HelpSchemaException(block.Line, "Unexpected section '## " + block.Value + "'; the schema has " + string.Join(", ", SectionOrder) + ".");
                }

                if (sections.ContainsKey(title))
                {
                    throw new HelpSchemaException(block.Line, "Section '## " + title + "' appears twice.");
                }

                if (order < lastOrder)
                {
                    throw new HelpSchemaException(block.Line, "Section '## " + title + "' is out of order; the order is " + string.Join(", ", SectionOrder) + ".");
                }

                lastOrder = order;
                current = new List<MdBlock>();
                sections[title] = current;
                sectionLines[title] = block.Line;
                continue;
            }

            if (current == null)
            {
                throw new HelpSchemaException(block.Line, "Content before the first '##' section.");
            }

            current.Add(block);
        }

        foreach (string title in SectionOrder)
        {
            if (!sections.ContainsKey(title))
            {
                throw new HelpSchemaException(0, "The page has no '## " + title + "' section.");
            }
        }

        page.Synopsis = TextSection(sections, sectionLines, "SYNOPSIS", true);
        page.Description = TextSection(sections, sectionLines, "DESCRIPTION", true);
        page.Notes = TextSection(sections, sectionLines, "NOTES", false);
        page.ReadSyntax(sections["SYNTAX"], sectionLines["SYNTAX"]);
        page.ReadExamples(sections["EXAMPLES"], sectionLines["EXAMPLES"]);
        page.ReadParameters(sections["PARAMETERS"], sectionLines["PARAMETERS"]);
        page.CheckParameterSets(sectionLines["SYNTAX"]);
        page.Inputs = ReadTypes(sections["INPUTS"], sectionLines["INPUTS"], "INPUTS");
        page.Outputs = ReadTypes(sections["OUTPUTS"], sectionLines["OUTPUTS"], "OUTPUTS");
        page.ReadLinks(sections["RELATED LINKS"]);
        return page;
    }

    private static void Require(Dictionary<string, string> front, string key, string expected)
    {
        string value;
        if (!front.TryGetValue(key, out value))
        {
            throw new HelpSchemaException(1, "The front matter has no '" + key + ": " + expected + "'.");
        }

        if (!string.Equals(value, expected, StringComparison.Ordinal))
        {
            throw new HelpSchemaException(1, "The front matter says '" + key + ": " + value + "'; it must be '" + expected + "'.");
        }
    }

    private static List<string> TextSection(Dictionary<string, List<MdBlock>> sections, Dictionary<string, int> lines, string title, bool required)
    {
        List<MdBlock> blocks = sections[title];
        MdBlock heading = blocks.FirstOrDefault(b => b.Kind == MdBlock.Heading);
        if (heading != null)
        {
            throw new HelpSchemaException(heading.Line, "'## " + title + "' holds text only, no headings.");
        }

        List<string> paragraphs = Md.Paragraphs(blocks);
        CheckPlaceholders(paragraphs, lines[title]);
        if (required && paragraphs.Count == 0)
        {
            throw new HelpSchemaException(lines[title], "'## " + title + "' is empty.");
        }

        return paragraphs;
    }

    private static void CheckPlaceholders(IEnumerable<string> texts, int line)
    {
        foreach (string text in texts)
        {
            if (Md.IsPlaceholder(text))
            {
                throw new HelpSchemaException(line, "A template placeholder was left in: " + text);
            }
        }
    }

    /// <summary>Splits a section at its '###' headings.</summary>
    private static List<KeyValuePair<MdBlock, List<MdBlock>>> Subsections(List<MdBlock> blocks, int sectionLine, string title, bool allowLeadingContent)
    {
        var result = new List<KeyValuePair<MdBlock, List<MdBlock>>>();
        foreach (MdBlock block in blocks)
        {
            if (block.Kind == MdBlock.Heading)
            {
                if (block.Level != 3)
                {
                    throw new HelpSchemaException(block.Line, "'## " + title + "' takes '###' headings only.");
                }

                result.Add(new KeyValuePair<MdBlock, List<MdBlock>>(block, new List<MdBlock>()));
                continue;
            }

            if (result.Count == 0)
            {
                if (allowLeadingContent)
                {
                    result.Add(new KeyValuePair<MdBlock, List<MdBlock>>(null, new List<MdBlock>()));
                }
                else
                {
                    throw new HelpSchemaException(block.Line, "'## " + title + "' must start with a '###' heading.");
                }
            }

            result[result.Count - 1].Value.Add(block);
        }

        return result;
    }

    private void ReadSyntax(List<MdBlock> blocks, int line)
    {
        // Like PlatyPS, the syntax blocks are not rendered: MAML syntax is built from the parameters'
        // metadata. They must still be there: one code block per parameter set.
        foreach (var sub in Subsections(blocks, line, "SYNTAX", true))
        {
            List<MdBlock> code = sub.Value.Where(b => b.Kind == MdBlock.Code).ToList();
            if (code.Count != 1)
            {
                throw new HelpSchemaException(sub.Key != null ? sub.Key.Line : line, "Each parameter set in '## SYNTAX' needs exactly one code block.");
            }

            SyntaxSets.Add(code[0].Value);
            if (sub.Key != null)
            {
                string set = sub.Key.Value;
                if (set.EndsWith("(Default)", StringComparison.OrdinalIgnoreCase))
                {
                    set = set.Substring(0, set.Length - "(Default)".Length).Trim();
                }

                SyntaxSetNames.Add(set);
            }
        }

        if (SyntaxSets.Count == 0)
        {
            throw new HelpSchemaException(line, "'## SYNTAX' has no code block.");
        }
    }

    private void ReadExamples(List<MdBlock> blocks, int line)
    {
        foreach (var sub in Subsections(blocks, line, "EXAMPLES", false))
        {
            var example = new HelpExample { Title = sub.Key.Value };
            var before = new List<MdBlock>();
            var after = new List<MdBlock>();
            foreach (MdBlock block in sub.Value)
            {
                if (block.Kind == MdBlock.Code)
                {
                    example.Code.Add(block.Value);
                }
                else if (example.Code.Count == 0)
                {
                    before.Add(block);
                }
                else
                {
                    after.Add(block);
                }
            }

            if (example.Code.Count == 0)
            {
                throw new HelpSchemaException(sub.Key.Line, "Example '" + example.Title + "' has no code block.");
            }

            // Text before the code (PlatyPS's "introduction") is kept ahead of the remarks.
            example.Remarks.AddRange(Md.Paragraphs(before));
            example.Remarks.AddRange(Md.Paragraphs(after));
            if (example.Remarks.Count == 0)
            {
                throw new HelpSchemaException(sub.Key.Line, "Example '" + example.Title + "' does not explain what it does.");
            }

            CheckPlaceholders(example.Remarks.Concat(example.Code).Concat(new[] { example.Title }), sub.Key.Line);
            Examples.Add(example);
        }

        if (Examples.Count == 0)
        {
            throw new HelpSchemaException(line, "'## EXAMPLES' has no example.");
        }
    }

    private void ReadParameters(List<MdBlock> blocks, int line)
    {
        foreach (var sub in Subsections(blocks, line, "PARAMETERS", false))
        {
            string title = sub.Key.Value;
            if (string.Equals(title, "CommonParameters", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!title.StartsWith("-", StringComparison.Ordinal) || title.Length < 2 || title.IndexOf(' ') >= 0)
            {
                throw new HelpSchemaException(sub.Key.Line, "A parameter heading is '### -Name' (or '### CommonParameters'), not '### " + title + "'.");
            }

            var parameter = new HelpParameter { Name = title.Substring(1) };
            if (Parameters.Any(p => string.Equals(p.Name, parameter.Name, StringComparison.OrdinalIgnoreCase)))
            {
                throw new HelpSchemaException(sub.Key.Line, "Parameter -" + parameter.Name + " is described twice.");
            }

            parameter.Description = Md.Paragraphs(sub.Value.Where(b => b.Kind == MdBlock.Text));
            CheckPlaceholders(parameter.Description, sub.Key.Line);
            if (parameter.Description.Count == 0)
            {
                throw new HelpSchemaException(sub.Key.Line, "Parameter -" + parameter.Name + " has no description.");
            }

            foreach (MdBlock code in sub.Value.Where(b => b.Kind == MdBlock.Code))
            {
                if (!string.Equals(code.Info, "yaml", StringComparison.OrdinalIgnoreCase))
                {
                    throw new HelpSchemaException(code.Line, "Parameter -" + parameter.Name + ": its metadata goes in a ```yaml block.");
                }

                parameter.Metadata.Add(ReadMetadata(code, parameter.Name));
            }

            if (parameter.Metadata.Count == 0)
            {
                throw new HelpSchemaException(sub.Key.Line, "Parameter -" + parameter.Name + " has no ```yaml metadata block.");
            }

            Parameters.Add(parameter);
        }
    }

    /// <summary>Every parameter set named in the metadata has its '### Set' block in SYNTAX, and the other way round.</summary>
    private void CheckParameterSets(int syntaxLine)
    {
        var named = Parameters.SelectMany(p => p.Metadata).SelectMany(m => m.Sets).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (named.Count == 0)
        {
            return;
        }

        foreach (string set in named)
        {
            if (!SyntaxSetNames.Contains(set, StringComparer.OrdinalIgnoreCase))
            {
                throw new HelpSchemaException(syntaxLine, "Parameter set '" + set + "' is named in the parameters' metadata but has no '### " + set + "' block in '## SYNTAX'.");
            }
        }

        foreach (string set in SyntaxSetNames)
        {
            if (!named.Contains(set, StringComparer.OrdinalIgnoreCase))
            {
                throw new HelpSchemaException(syntaxLine, "'## SYNTAX' has a '### " + set + "' block, but no parameter names that set in its metadata.");
            }
        }
    }

    private static HelpParameterSetMetadata ReadMetadata(MdBlock code, string name)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < code.Lines.Count; i++)
        {
            string text = code.Lines[i];
            if (text.Trim().Length == 0)
            {
                continue;
            }

            int colon = text.IndexOf(':');
            string key = colon > 0 ? text.Substring(0, colon).Trim() : string.Empty;
            if (!YamlKeys.Contains(key))
            {
                throw new HelpSchemaException(code.Line + 1 + i, "Parameter -" + name + ": unknown metadata line '" + text.Trim() + "'; the keys are " + string.Join(", ", YamlKeys) + ".");
            }

            values[key] = text.Substring(colon + 1).Trim();
        }

        foreach (string key in new[] { "Type", "Parameter Sets", "Aliases", "Required", "Position", "Default value", "Accept pipeline input", "Accept wildcard characters" })
        {
            if (!values.ContainsKey(key))
            {
                throw new HelpSchemaException(code.Line, "Parameter -" + name + ": the metadata has no '" + key + ":' line.");
            }
        }

        var meta = new HelpParameterSetMetadata { Type = values["Type"] };
        if (meta.Type.Length == 0)
        {
            throw new HelpSchemaException(code.Line, "Parameter -" + name + ": 'Type:' is empty.");
        }

        string sets = values["Parameter Sets"];
        meta.AllSets = sets == "(All)";
        if (!meta.AllSets)
        {
            meta.Sets = SplitList(sets);
            if (meta.Sets.Count == 0)
            {
                throw new HelpSchemaException(code.Line, "Parameter -" + name + ": 'Parameter Sets:' is empty; use (All) or set names.");
            }
        }

        meta.Aliases = values["Aliases"] == "None" ? new List<string>() : SplitList(values["Aliases"]);
        meta.Required = ParseBool(values["Required"], code, name, "Required");
        meta.Globbing = ParseBool(values["Accept wildcard characters"], code, name, "Accept wildcard characters");
        if (!PositionPattern.IsMatch(values["Position"]))
        {
            throw new HelpSchemaException(code.Line, "Parameter -" + name + ": 'Position:' is Named or a number, not '" + values["Position"] + "'.");
        }

        meta.Position = values["Position"].ToLowerInvariant();
        if (!PipelinePattern.IsMatch(values["Accept pipeline input"]))
        {
            throw new HelpSchemaException(code.Line, "Parameter -" + name + ": 'Accept pipeline input:' is False, True (ByValue), True (ByPropertyName) or True (ByPropertyName, ByValue), not '" + values["Accept pipeline input"] + "'.");
        }

        meta.PipelineInput = values["Accept pipeline input"];
        meta.DefaultValue = values["Default value"].Length == 0 ? "None" : values["Default value"];
        string accepted;
        if (values.TryGetValue("Accepted values", out accepted))
        {
            meta.AcceptedValues = SplitList(accepted);
        }

        return meta;
    }

    private static bool ParseBool(string text, MdBlock code, string name, string key)
    {
        if (string.Equals(text, "True", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (string.Equals(text, "False", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        throw new HelpSchemaException(code.Line, "Parameter -" + name + ": '" + key + ":' is True or False, not '" + text + "'.");
    }

    private static List<string> SplitList(string text) => text.Split(',').Select(s => s.Trim()).Where(s => s.Length > 0).ToList();

    private static List<HelpTypeEntry> ReadTypes(List<MdBlock> blocks, int line, string title)
    {
        var result = new List<HelpTypeEntry>();
        foreach (var sub in Subsections(blocks, line, title, false))
        {
            var entry = new HelpTypeEntry { TypeName = sub.Key.Value, Description = Md.Paragraphs(sub.Value) };
            CheckPlaceholders(entry.Description, sub.Key.Line);
            result.Add(entry);
        }

        if (result.Count == 0)
        {
            throw new HelpSchemaException(line, "'## " + title + "' lists no type; write '### None' when there is none.");
        }

        return result;
    }

    private void ReadLinks(List<MdBlock> blocks)
    {
        foreach (MdBlock block in blocks)
        {
            if (block.Kind != MdBlock.Text)
            {
                throw new HelpSchemaException(block.Line, "'## RELATED LINKS' holds [text](uri) lines only.");
            }

            foreach (string text in block.Lines)
            {
                Match match = LinkLinePattern.Match(text);
                if (!match.Success)
                {
                    throw new HelpSchemaException(block.Line, "'## RELATED LINKS': '" + text.Trim() + "' is not a [text](uri) link.");
                }

                Links.Add(new HelpLink { Text = match.Groups[1].Value, Uri = match.Groups[2].Value });
            }
        }
    }
}

/// <summary>Writes the MAML (helpItems) document for a set of pages, element for element as PlatyPS does.</summary>
public static class MamlWriter
{
    private static readonly XNamespace Msh = "http://msh";
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";
    private static readonly XNamespace MsHelp = "http://msdn.microsoft.com/mshelp";

    public static string Write(IEnumerable<HelpCommandPage> pages)
    {
        var root = new XElement(Msh + "helpItems", new XAttribute("schema", "maml"), pages.Select(CommandElement));
        var document = new XDocument(new XDeclaration("1.0", "utf-8", null), root);
        var settings = new XmlWriterSettings
        {
            Indent = true,
            IndentChars = "  ",
            NewLineChars = "\n",
            OmitXmlDeclaration = false,
            Encoding = new UTF8Encoding(false),
        };
        using (var stream = new MemoryStream())
        {
            using (XmlWriter writer = XmlWriter.Create(stream, settings))
            {
                document.Save(writer);
            }

            return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
        }
    }

    private static XElement CommandElement(HelpCommandPage page)
    {
        int dash = page.Name.IndexOf('-');
        string verb = dash < 0 ? page.Name : page.Name.Substring(0, dash);
        string noun = dash < 0 ? string.Empty : page.Name.Substring(dash + 1);
        return new XElement(Command + "command",
            new XAttribute(XNamespace.Xmlns + "maml", Maml),
            new XAttribute(XNamespace.Xmlns + "command", Command),
            new XAttribute(XNamespace.Xmlns + "dev", Dev),
            new XAttribute(XNamespace.Xmlns + "MSHelp", MsHelp),
            new XElement(Command + "details",
                new XElement(Command + "name", page.Name),
                new XElement(Command + "verb", verb),
                new XElement(Command + "noun", noun),
                new XElement(Maml + "description", Paras(page.Synopsis))),
            new XElement(Maml + "description", Paras(page.Description)),
            new XElement(Command + "syntax", SyntaxItems(page)),
            new XElement(Command + "parameters", page.Parameters.Select(p => Parameter(p, p.Metadata[0], false))),
            new XElement(Command + "inputTypes", page.Inputs.Select(t => TypeEntry("inputType", t))),
            new XElement(Command + "returnValues", page.Outputs.Select(t => TypeEntry("returnValue", t))),
            new XElement(Maml + "alertSet", new XElement(Maml + "alert", Paras(page.Notes))),
            new XElement(Command + "examples", page.Examples.Select(Example)),
            new XElement(Command + "relatedLinks", Links(page)));
    }

    private static IEnumerable<XElement> Paras(IEnumerable<string> paragraphs) => paragraphs.Select(p => new XElement(Maml + "para", p));

    /// <summary>
    /// One syntax item per parameter set, from the parameters' "Parameter Sets" metadata (as PlatyPS
    /// does; the markdown SYNTAX blocks are for readers). Positional parameters come first by
    /// position, then mandatory ones, then the rest in page order, like Get-Command -Syntax.
    /// </summary>
    private static IEnumerable<XElement> SyntaxItems(HelpCommandPage page)
    {
        // In the order of the SYNTAX section (default set first, as the page shows it).
        var setNames = new List<string>(page.SyntaxSetNames);
        foreach (HelpParameter parameter in page.Parameters)
        {
            foreach (HelpParameterSetMetadata meta in parameter.Metadata)
            {
                foreach (string set in meta.Sets)
                {
                    if (!setNames.Contains(set, StringComparer.OrdinalIgnoreCase))
                    {
                        setNames.Add(set);
                    }
                }
            }
        }

        if (setNames.Count == 0)
        {
            setNames.Add(null);
        }

        foreach (string set in setNames)
        {
            var members = new List<KeyValuePair<HelpParameter, HelpParameterSetMetadata>>();
            foreach (HelpParameter parameter in page.Parameters)
            {
                HelpParameterSetMetadata meta = parameter.Metadata.FirstOrDefault(m => set != null && m.Sets.Contains(set, StringComparer.OrdinalIgnoreCase))
                    ?? parameter.Metadata.FirstOrDefault(m => m.AllSets);
                if (meta != null)
                {
                    members.Add(new KeyValuePair<HelpParameter, HelpParameterSetMetadata>(parameter, meta));
                }
            }

            var ordered = members
                .Select((m, index) => new { m, index })
                .OrderBy(x => x.m.Value.Position == "named" ? 1 : 0)
                .ThenBy(x => x.m.Value.Position == "named" ? 0 : int.Parse(x.m.Value.Position, CultureInfo.InvariantCulture))
                .ThenBy(x => x.m.Value.Required ? 0 : 1)
                .ThenBy(x => x.index)
                .Select(x => x.m);
            yield return new XElement(Command + "syntaxItem",
                new XElement(Maml + "name", page.Name),
                ordered.Select(m => Parameter(m.Key, m.Value, true)));
        }
    }

    private static XElement Parameter(HelpParameter parameter, HelpParameterSetMetadata meta, bool inSyntax)
    {
        bool isSwitch = parameter.IsSwitch;
        string type = isSwitch ? "SwitchParameter" : meta.Type;
        string defaultValue = isSwitch && (meta.DefaultValue == "None" || meta.DefaultValue.Length == 0) ? "False" : meta.DefaultValue;
        return new XElement(Command + "parameter",
            new XAttribute("required", meta.Required ? "true" : "false"),
            new XAttribute("variableLength", "true"),
            new XAttribute("globbing", meta.Globbing ? "true" : "false"),
            new XAttribute("pipelineInput", meta.PipelineInput),
            new XAttribute("position", meta.Position),
            new XAttribute("aliases", meta.Aliases.Count == 0 ? "none" : string.Join(", ", meta.Aliases)),
            new XElement(Maml + "name", parameter.Name),
            new XElement(Maml + "Description", Paras(parameter.Description)),
            inSyntax && meta.AcceptedValues.Count > 0
                ? new XElement(Command + "parameterValueGroup", meta.AcceptedValues.Select(v =>
                    new XElement(Command + "parameterValue", new XAttribute("required", "false"), new XAttribute(Command + "variableLength", "false"), v)))
                : null,
            inSyntax && isSwitch
                ? null
                : new XElement(Command + "parameterValue",
                    new XAttribute("required", isSwitch ? "false" : "true"),
                    new XAttribute("variableLength", "false"),
                    type),
            new XElement(Dev + "type", new XElement(Maml + "name", type), new XElement(Maml + "uri")),
            new XElement(Dev + "defaultValue", defaultValue));
    }

    private static XElement TypeEntry(string element, HelpTypeEntry entry)
        => new XElement(Command + element,
            new XElement(Dev + "type", new XElement(Maml + "name", entry.TypeName)),
            new XElement(Maml + "description", Paras(entry.Description)));

    private static XElement Example(HelpExample example)
        => new XElement(Command + "example",
            new XElement(Maml + "title", PadTitle(example.Title)),
            new XElement(Dev + "code", string.Join("\n\n", example.Code)),
            new XElement(Dev + "remarks", Paras(example.Remarks)));

    /// <summary>"----- Example 1: ... -----", 64 characters wide, as Get-Help shows example titles.</summary>
    private static string PadTitle(string title)
    {
        int pad = (64 - title.Length - 2) / 2;
        if (pad < 1)
        {
            return title;
        }

        string dashes = new string('-', pad);
        return dashes + " " + title + " " + dashes;
    }

    private static IEnumerable<XElement> Links(HelpCommandPage page)
    {
        if (!string.IsNullOrEmpty(page.OnlineVersion))
        {
            yield return Link("Online Version:", page.OnlineVersion);
        }

        foreach (HelpLink link in page.Links)
        {
            yield return Link(link.Text, link.Uri);
        }
    }

    private static XElement Link(string text, string uri)
    {
        // Get-Help only follows absolute URIs; a link to another page (Connect-Redis.md) keeps its text.
        Uri parsed;
        string value = Uri.TryCreate(uri, UriKind.Absolute, out parsed) && (parsed.Scheme == "http" || parsed.Scheme == "https") ? uri : string.Empty;
        return new XElement(Maml + "navigationLink", new XElement(Maml + "linkText", text), new XElement(Maml + "uri", value));
    }
}

/// <summary>
/// Renders an about_*.help.md topic as the plain-text about_*.help.txt that Get-Help shows:
/// TOPIC, SHORT DESCRIPTION, LONG DESCRIPTION... at the margin, text indented and wrapped at 80 columns.
/// </summary>
public static class AboutTopicWriter
{
    private const int Width = 80;
    private static readonly Regex ListPattern = new Regex(@"^([-*+]|\d+[.)])\s");

    public static string Convert(string path, string content)
    {
        string[] lines = Md.SplitLines(content);
        var front = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        int start = Md.ReadFrontMatter(lines, front);
        List<MdBlock> blocks = Md.Parse(lines, start);
        string expected = System.IO.Path.GetFileName(path);
        expected = expected.Substring(0, expected.Length - ".help.md".Length);
        if (blocks.Count == 0 || blocks[0].Kind != MdBlock.Heading || blocks[0].Level != 1 || !string.Equals(blocks[0].Value, expected, StringComparison.OrdinalIgnoreCase))
        {
            throw new HelpSchemaException(start + 1, "An about topic starts with '# " + expected + "'.");
        }

        var sb = new StringBuilder();
        sb.Append("TOPIC\n    ").Append(blocks[0].Value).Append('\n');
        bool hasShort = false;
        bool hasLong = false;
        bool afterHeading = false;
        for (int i = 1; i < blocks.Count; i++)
        {
            MdBlock block = blocks[i];
            if (Md.IsPlaceholder(block.Value ?? string.Join(" ", block.Lines)))
            {
                throw new HelpSchemaException(block.Line, "A template placeholder was left in.");
            }

            // A blank line between blocks; the text under a heading follows it directly.
            if (!afterHeading || block.Kind == MdBlock.Heading)
            {
                sb.Append('\n');
            }

            afterHeading = block.Kind == MdBlock.Heading;
            switch (block.Kind)
            {
                case MdBlock.Heading:
                    if (block.Level == 1)
                    {
                        throw new HelpSchemaException(block.Line, "An about topic has one '#' heading, its name.");
                    }

                    if (block.Level == 2)
                    {
                        string title = block.Value.ToUpperInvariant();
                        hasShort |= title == "SHORT DESCRIPTION";
                        hasLong |= title == "LONG DESCRIPTION";
                        sb.Append(title).Append('\n');
                    }
                    else
                    {
                        string title = Md.Inline(block.Value);
                        sb.Append("  ").Append(title).Append('\n');
                        sb.Append("  ").Append(new string('-', title.Length)).Append('\n');
                    }

                    break;
                case MdBlock.Code:
                    foreach (string code in block.Lines)
                    {
                        sb.Append(code.Length == 0 ? string.Empty : "        " + code).Append('\n');
                    }

                    break;
                default:
                    foreach (string paragraph in Md.Paragraphs(new[] { block }))
                    {
                        bool item = ListPattern.IsMatch(paragraph);
                        int marker = item ? paragraph.IndexOf(' ') + 1 : 0;
                        foreach (string hard in paragraph.Split('\n'))
                        {
                            Wrap(sb, hard, 4, item ? 4 + marker : 4);
                        }
                    }

                    break;
            }
        }

        if (!hasShort || !hasLong)
        {
            throw new HelpSchemaException(0, "An about topic needs '## Short description' and '## Long description' sections.");
        }

        return sb.ToString();
    }

    private static void Wrap(StringBuilder sb, string text, int firstIndent, int nextIndent)
    {
        string[] words = text.Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries);
        var line = new StringBuilder(new string(' ', firstIndent));
        int indent = firstIndent;
        bool empty = true;
        foreach (string word in words)
        {
            if (!empty && line.Length + 1 + word.Length > Width - 1)
            {
                sb.Append(line.ToString()).Append('\n');
                indent = nextIndent;
                line = new StringBuilder(new string(' ', indent));
                empty = true;
            }

            if (!empty)
            {
                line.Append(' ');
            }

            line.Append(word);
            empty = false;
        }

        sb.Append(line.ToString()).Append('\n');
    }
}
