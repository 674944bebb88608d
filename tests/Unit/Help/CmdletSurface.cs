using System.Management.Automation;
using RedisCluster.Tests.Hosting;

namespace RedisCluster.Tests.Help;

/// <summary>One parameter of a cmdlet in one parameter set, as Get-Command reports it.</summary>
public sealed record ParameterInSet(
    string Name,
    string Set,
    string TypeName,
    int Position,
    bool Mandatory,
    bool ByValue,
    bool ByPropertyName,
    IReadOnlyList<string> Aliases);

/// <summary>What Get-Command says about a cmdlet of the imported module: parameter sets and parameter metadata.</summary>
public sealed class CmdletSurface
{
    public const string AllSets = "__AllParameterSets";

    public required string Name { get; init; }

    /// <summary>The parameter sets: name, whether it is the default, and Get-Command's syntax line.</summary>
    public required IReadOnlyList<(string Name, bool IsDefault, string Syntax)> ParameterSets { get; init; }

    /// <summary>Each parameter (common parameters excluded) in each set it belongs to.</summary>
    public required IReadOnlyList<ParameterInSet> Parameters { get; init; }

    public IEnumerable<string> ParameterNames => Parameters.Select(p => p.Name).Distinct(StringComparer.OrdinalIgnoreCase);

    /// <summary>The cmdlets the module exports, read from a session that imported the staged manifest.</summary>
    public static IReadOnlyList<CmdletSurface> All => Cache.Value;

    public static CmdletSurface Get(string name) => All.Single(c => c.Name == name);

    /// <summary>Exported cmdlet names for data-driven theories.</summary>
    public static IEnumerable<object[]> ExportedCmdlets => All.Select(c => new object[] { c.Name });

    private static readonly Lazy<IReadOnlyList<CmdletSurface>> Cache = new(Read);

    private static IReadOnlyList<CmdletSurface> Read()
    {
        using var session = new PowerShellSession();
        // Strings, not live CommandInfo objects: parameter metadata is computed inside the runspace.
        var lines = session.RunClean(@"
            $common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
            # PowerShell 7 writes type accelerators in syntax (<int>, <pscredential>); PlatyPS pages use type names (<Int32>).
            $accelerators = [psobject].Assembly.GetType('System.Management.Automation.TypeAccelerators')::Get
            $typeName = { param($m) $t = $accelerators[$m.Groups[1].Value]; if ($t) { '<' + $t.Name + $m.Groups[2].Value + '>' } else { $m.Value } }
            foreach ($c in Get-Command -Module RedisCluster -CommandType Cmdlet) {
                'CMDLET' + ""`t"" + $c.Name
                foreach ($s in $c.ParameterSets) {
                    'SET' + ""`t"" + $s.Name + ""`t"" + $s.IsDefault + ""`t"" + [regex]::Replace($s.ToString(), '<(\w+)((?:\[\])*)>', $typeName)
                }
                foreach ($p in $c.Parameters.Values) {
                    if ($common -contains $p.Name) { continue }
                    foreach ($k in $p.ParameterSets.Keys) {
                        $m = $p.ParameterSets[$k]
                        'PARAM', $p.Name, $k, $p.ParameterType.Name, $m.Position, $m.IsMandatory, $m.ValueFromPipeline,
                            $m.ValueFromPipelineByPropertyName, ($p.Aliases -join ',') -join ""`t""
                    }
                }
            }").Select(o => (string)o!).ToList();

        var result = new List<CmdletSurface>();
        string? name = null;
        var sets = new List<(string, bool, string)>();
        var parameters = new List<ParameterInSet>();
        void Finish()
        {
            if (name != null)
            {
                result.Add(new CmdletSurface { Name = name, ParameterSets = sets.ToList(), Parameters = parameters.ToList() });
            }

            sets.Clear();
            parameters.Clear();
        }

        foreach (string line in lines)
        {
            string[] f = line.Split('\t');
            switch (f[0])
            {
                case "CMDLET":
                    Finish();
                    name = f[1];
                    break;
                case "SET":
                    sets.Add((f[1], bool.Parse(f[2]), f[3]));
                    break;
                case "PARAM":
                    parameters.Add(new ParameterInSet(f[1], f[2], f[3], int.Parse(f[4]), bool.Parse(f[5]), bool.Parse(f[6]), bool.Parse(f[7]),
                        f[8].Split(',', StringSplitOptions.RemoveEmptyEntries)));
                    break;
            }
        }

        Finish();
        if (result.Count == 0)
        {
            throw new InvalidOperationException("Get-Command -Module RedisCluster found no cmdlets in the staged module.");
        }

        return result;
    }

    /// <summary>The sets a parameter belongs to, with "all sets" spelled out as the cmdlet's set names.</summary>
    public IReadOnlyList<string> SetsOf(string parameter)
    {
        var sets = Parameters.Where(p => p.Name == parameter).Select(p => p.Set).ToList();
        return sets.Contains(AllSets) ? ParameterSets.Select(s => s.Name).ToList() : sets;
    }

    /// <summary>The metadata of a parameter in one set (the all-sets entry when it has no set-specific one).</summary>
    public ParameterInSet In(string parameter, string set)
        => Parameters.FirstOrDefault(p => p.Name == parameter && p.Set == set) ?? Parameters.First(p => p.Name == parameter && p.Set == AllSets);

    internal static bool IsCommon(string name)
        => Cmdlet.CommonParameters.Contains(name) || Cmdlet.OptionalCommonParameters.Contains(name);
}
