#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Owns the module's help: the docs/cmdlets pages against the cmdlets' real parameters, the MAML and the
# about_RedisCluster topic the build stages next to the module, and what Get-Help shows in pwsh, as help objects
# and as the text a user reads. Needs a build first (dotnet build RedisCluster.slnx), which stages
# out/RedisCluster with en-US/ help. Every cmdlet the module exports is checked, so a new cmdlet is covered as
# soon as it is exported.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot '../../out/RedisCluster/RedisCluster.psd1') -Force
    $cmdlets = @(Get-Command -Module RedisCluster -CommandType Cmdlet | ForEach-Object { @{ Name = $_.Name } })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../out/RedisCluster/RedisCluster.psd1') -Force
    $script:root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $script:docs = Join-Path $root 'docs/cmdlets'
    $script:stagedHelp = Join-Path $root 'out/RedisCluster/en-US'
    $script:commonParameters = @([System.Management.Automation.Cmdlet]::CommonParameters) + @([System.Management.Automation.Cmdlet]::OptionalCommonParameters)
    $script:stagedMaml = Join-Path $stagedHelp 'RedisCluster.PowerShell.dll-Help.xml'
    $script:stagedAbout = Join-Path $stagedHelp 'about_RedisCluster.help.txt'
    $script:mamlNamespaces = @{
        msh = 'http://msh'
        maml = 'http://schemas.microsoft.com/maml/2004/10'
        command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
        dev = 'http://schemas.microsoft.com/maml/dev/2004/10'
    }

    # What a user reads on a 120-column console, without colours.
    function Get-RenderedHelp {
        param([Parameter(Mandatory)] [string] $Name, [switch] $Full, [string] $Parameter)
        $helpArguments = @{ Name = $Name }
        if ($Full) { $helpArguments.Full = $true }
        if ($Parameter) { $helpArguments.Parameter = $Parameter }
        $saved = $PSStyle.OutputRendering
        $PSStyle.OutputRendering = 'PlainText'
        try { ((Get-Help @helpArguments | Out-String -Width 120) -replace "`e\[[0-9;]*m", '') -replace "`r`n", "`n" }
        finally { $PSStyle.OutputRendering = $saved }
    }

    # The nodes under $Node that the XPath (with the msh/maml/command/dev prefixes) selects.
    function Select-Maml {
        param([Parameter(Mandatory)] $Node, [Parameter(Mandatory)] [string] $XPath)
        @(Select-Xml -Xml $Node -XPath $XPath -Namespace $mamlNamespaces | ForEach-Object Node)
    }

    # Reads a PlatyPS page line by line: front matter, title, SYNTAX blocks, parameter yaml, examples.
    function Read-DocsPage {
        param([Parameter(Mandatory)] [string] $Path)

        $page = [pscustomobject]@{
            FrontMatter         = @{}
            Title               = $null
            Syntax              = [System.Collections.Generic.List[object]]::new()
            Parameters          = [ordered]@{}
            Examples            = [System.Collections.Generic.List[object]]::new()
            HasCommonParameters = $false
        }
        $lines = (Get-Content -LiteralPath $Path -Raw) -replace "`r`n", "`n" -split "`n"
        $i = 0
        if ($lines[0].Trim() -eq '---') {
            for ($i = 1; $i -lt $lines.Count -and $lines[$i].Trim() -ne '---'; $i++) {
                if ($lines[$i] -match '^([^:]+):(.*)$') { $page.FrontMatter[$Matches[1].Trim()] = $Matches[2].Trim() }
            }
            $i++
        }

        $section = ''
        $heading = $null
        for (; $i -lt $lines.Count; $i++) {
            $line = $lines[$i]
            if ($line -match '^\s*```(\w*)\s*$') {
                $language = $Matches[1]
                $code = [System.Collections.Generic.List[string]]::new()
                for ($i++; $i -lt $lines.Count -and $lines[$i] -notmatch '^\s*```(\w*)\s*$'; $i++) { $code.Add($lines[$i]) }
                $text = $code -join "`n"
                if ($section -eq 'SYNTAX') {
                    $page.Syntax.Add([pscustomobject]@{ Heading = $heading; Text = $text })
                }
                elseif ($section -eq 'EXAMPLES' -and $page.Examples.Count -gt 0) {
                    $page.Examples[$page.Examples.Count - 1].Code.Add($text)
                }
                elseif ($section -eq 'PARAMETERS' -and $language -eq 'yaml' -and $heading -like '-*') {
                    $values = @{}
                    foreach ($entry in $code) {
                        if ($entry -match '^([^:]+):(.*)$') { $values[$Matches[1].Trim()] = $Matches[2].Trim() }
                    }
                    $page.Parameters[$heading.Substring(1)].Add($values)
                }
                continue
            }

            if ($line -match '^# (.+)$') { $page.Title = $Matches[1].Trim() }
            elseif ($line -match '^## (.+)$') { $section = $Matches[1].Trim().ToUpperInvariant(); $heading = $null }
            elseif ($line -match '^### (.+)$') {
                $heading = $Matches[1].Trim()
                if ($section -eq 'EXAMPLES') {
                    $page.Examples.Add([pscustomobject]@{ Title = $heading; Code = [System.Collections.Generic.List[string]]::new() })
                }
                elseif ($section -eq 'PARAMETERS' -and $heading -like '-*') {
                    $page.Parameters[$heading.Substring(1)] = [System.Collections.Generic.List[hashtable]]::new()
                }
                elseif ($section -eq 'PARAMETERS' -and $heading -eq 'CommonParameters') {
                    $page.HasCommonParameters = $true
                }
            }
        }
        $page
    }

    # 'True (ByPropertyName, ByValue)' / 'False', as PlatyPS writes it, from parameter set metadata.
    function Get-PipelineText {
        param([Parameter(Mandatory)] $Metadata)
        $kinds = @()
        if ($Metadata.ValueFromPipelineByPropertyName) { $kinds += 'ByPropertyName' }
        if ($Metadata.ValueFromPipeline) { $kinds += 'ByValue' }
        if ($kinds.Count -eq 0) { 'False' } else { 'True (' + ($kinds -join ', ') + ')' }
    }

    function ConvertTo-PipelineText {
        param([string] $Text)
        if ($Text -match '^\s*false') { return 'False' }
        $kinds = @()
        if ($Text -match 'ByPropertyName') { $kinds += 'ByPropertyName' }
        if ($Text -match 'ByValue') { $kinds += 'ByValue' }
        'True (' + ($kinds -join ', ') + ')'
    }

    # Get-Command's syntax line with type accelerators (<int>, <pscredential>) written as type names (<Int32>), as pages have them.
    function Get-PageSyntax {
        param([Parameter(Mandatory)] [string] $Name, [Parameter(Mandatory)] $ParameterSet)
        $accelerators = [psobject].Assembly.GetType('System.Management.Automation.TypeAccelerators')::Get
        $line = [regex]::Replace($ParameterSet.ToString(), '<(\w+)((?:\[\])*)>', {
                param($m)
                $type = $accelerators[$m.Groups[1].Value]
                if ($type) { '<' + $type.Name + $m.Groups[2].Value + '>' } else { $m.Value }
            })
        "$Name $line"
    }

    function Get-NormalizedText {
        param([string] $Text)
        ($Text -replace '\s+', ' ').Trim()
    }

    # The sets a parameter belongs to, "all sets" spelled out as the cmdlet's set names.
    function Get-ParameterSetNames {
        param([Parameter(Mandatory)] $Command, [Parameter(Mandatory)] $Parameter)
        if ($Parameter.ParameterSets.ContainsKey('__AllParameterSets')) { @($Command.ParameterSets.Name) }
        else { @($Parameter.ParameterSets.Keys) }
    }
}

Describe 'Help for <Name>' -ForEach $cmdlets {
    BeforeAll {
        $command = Get-Command -Name $Name -Module RedisCluster
        $pagePath = Join-Path $docs "$Name.md"
        $page = if (Test-Path -LiteralPath $pagePath) { Read-DocsPage -Path $pagePath }
        $parameters = @($command.Parameters.Values | Where-Object { $commonParameters -notcontains $_.Name })
        $help = Get-Help -Name $Name -Full
    }

    It 'has a docs page in PlatyPS schema 2.0.0' {
        $pagePath | Should -Exist -Because "every exported cmdlet needs docs/cmdlets/$Name.md"
        $page.Title | Should -Be $Name
        $page.FrontMatter['external help file'] | Should -Be 'RedisCluster.PowerShell.dll-Help.xml'
        $page.FrontMatter['Module Name'] | Should -Be 'RedisCluster'
        $page.FrontMatter['schema'] | Should -Be '2.0.0'
        $page.FrontMatter.ContainsKey('online version') | Should -BeTrue
    }

    It 'describes every parameter of the cmdlet' {
        $missing = @($parameters.Name | Where-Object { -not $page.Parameters.Contains($_) })
        $missing | Should -BeNullOrEmpty -Because "$Name.md must describe every parameter"
        $page.HasCommonParameters | Should -BeTrue -Because "$Name.md needs a '### CommonParameters' entry"
    }

    It 'names no parameter the cmdlet lacks' {
        # get_Keys(): a parameter named -Keys would shadow the dictionary's Keys property.
        $unknown = @($page.Parameters.get_Keys() | Where-Object { $parameters.Name -notcontains $_ })
        $unknown | Should -BeNullOrEmpty -Because "$Name.md may only describe parameters the cmdlet has"
        @($page.Parameters.get_Keys() | Where-Object { $commonParameters -contains $_ }) | Should -BeNullOrEmpty
    }

    It 'gives each parameter the type, sets, aliases, position and pipeline input the cmdlet declares' {
        $problems = [System.Collections.Generic.List[string]]::new()
        foreach ($parameter in $parameters) {
            $blocks = $page.Parameters[$parameter.Name]
            if (-not $blocks -or $blocks.Count -eq 0) { $problems.Add("-$($parameter.Name): no yaml metadata"); continue }
            $sets = @(Get-ParameterSetNames -Command $command -Parameter $parameter)
            foreach ($set in $sets) {
                $block = $blocks | Where-Object { ($_['Parameter Sets'] -split ',\s*') -contains $set } | Select-Object -First 1
                if (-not $block) { $block = $blocks | Where-Object { $_['Parameter Sets'] -eq '(All)' } | Select-Object -First 1 }
                if (-not $block) { $problems.Add("-$($parameter.Name): no metadata block covers set $set"); continue }
                $metadata = if ($parameter.ParameterSets.ContainsKey($set)) { $parameter.ParameterSets[$set] } else { $parameter.ParameterSets['__AllParameterSets'] }
                $expected = [ordered]@{
                    'Type'                  = $parameter.ParameterType.Name
                    'Required'              = [string]$metadata.IsMandatory
                    'Position'              = if ($metadata.Position -eq [int]::MinValue) { 'Named' } else { [string]$metadata.Position }
                    'Accept pipeline input' = Get-PipelineText -Metadata $metadata
                    'Aliases'               = (@($parameter.Aliases) | Sort-Object) -join ', '
                }
                $documented = @{
                    'Type'                  = $block['Type']
                    'Required'              = $block['Required']
                    'Position'              = $block['Position']
                    'Accept pipeline input' = ConvertTo-PipelineText $block['Accept pipeline input']
                    'Aliases'               = (@($block['Aliases'] -split ',\s*' | Where-Object { $_ -and $_ -ne 'None' }) | Sort-Object) -join ', '
                }
                foreach ($key in $expected.Keys) {
                    if ($expected[$key] -ne $documented[$key]) {
                        $problems.Add("-$($parameter.Name) (set $set): $key is '$($documented[$key])' on the page, '$($expected[$key])' on the cmdlet")
                    }
                }
            }
            $expectedSets = if ($sets.Count -eq $command.ParameterSets.Count) { '(All)' } else { ($sets | Sort-Object) -join ', ' }
            $documentedSets = if ($blocks.Count -eq 1 -and $blocks[0]['Parameter Sets'] -eq '(All)') { '(All)' }
            else { (@($blocks | ForEach-Object { $_['Parameter Sets'] -split ',\s*' }) | Sort-Object) -join ', ' }
            if ($expectedSets -ne $documentedSets) {
                $problems.Add("-$($parameter.Name): Parameter Sets is '$documentedSets' on the page, '$expectedSets' on the cmdlet")
            }
        }
        $problems | Should -BeNullOrEmpty
    }

    It 'shows one SYNTAX block per parameter set, as Get-Command shows it' {
        $page.Syntax.Count | Should -Be $command.ParameterSets.Count
        foreach ($set in $command.ParameterSets) {
            if ($command.ParameterSets.Count -eq 1) {
                $block = $page.Syntax[0]
            }
            else {
                $heading = $set.Name + $(if ($set.IsDefault) { ' (Default)' } else { '' })
                $block = $page.Syntax | Where-Object Heading -EQ $heading | Select-Object -First 1
                $block | Should -Not -BeNullOrEmpty -Because "$Name.md needs a '### $heading' syntax block"
            }
            Get-NormalizedText $block.Text | Should -Be (Get-NormalizedText (Get-PageSyntax -Name $Name -ParameterSet $set))
        }
    }

    It 'has at least two examples with commands and output, one for a Redis Cluster' {
        $page.Examples.Count | Should -BeGreaterOrEqual 2
        foreach ($example in $page.Examples) {
            $lines = @($example.Code -split "`n" | Where-Object { $_.Trim() })
            @($lines | Where-Object { $_ -like 'PS>*' }).Count | Should -BeGreaterThan 0 -Because "'$($example.Title)' shows a command"
            @($lines | Where-Object { $_ -notlike 'PS>*' -and $_ -notlike '>>*' }).Count | Should -BeGreaterThan 0 -Because "'$($example.Title)' shows its output"
        }
        @($page.Examples | Where-Object { $_.Title -match 'cluster' -or ($_.Code -join "`n") -match '-Cluster\b' }).Count |
            Should -BeGreaterThan 0 -Because "$Name.md needs an example for a Redis Cluster"
    }

    It 'has a synopsis in Get-Help (not the generated syntax)' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -Match '\[<CommonParameters>\]' -Because 'Get-Help made up the help: the MAML was not found'
        $help.ModuleName | Should -Be 'RedisCluster'
    }

    It 'has a description in Get-Help -Full' {
        ($help.description | ForEach-Object Text) -join '' | Should -Not -BeNullOrEmpty
    }

    It 'has at least two examples in Get-Help -Full, each with code and remarks' {
        $examples = @($help.examples.example)
        $examples.Count | Should -BeGreaterOrEqual 2
        foreach ($example in $examples) {
            $example.code | Should -Not -BeNullOrEmpty
            ($example.remarks | ForEach-Object Text) -join '' | Should -Not -BeNullOrEmpty
        }
    }

    It 'lists in Get-Help the parameters the cmdlet has, with their position and pipeline input' {
        $helpParameters = @($help.parameters.parameter)
        @($helpParameters.name | Sort-Object) | Should -Be @($parameters.Name | Sort-Object)
        foreach ($entry in $helpParameters) {
            $parameter = $command.Parameters[$entry.name]
            $set = @(Get-ParameterSetNames -Command $command -Parameter $parameter)[0]
            $metadata = if ($parameter.ParameterSets.ContainsKey($set)) { $parameter.ParameterSets[$set] } else { $parameter.ParameterSets['__AllParameterSets'] }
            $position = if ($metadata.Position -eq [int]::MinValue) { 'named' } else { [string]$metadata.Position }
            $entry.position | Should -Be $position -Because "-$($entry.name) is at that position"
            [string]$entry.required | Should -Be ([string]$metadata.IsMandatory) -Because "-$($entry.name) is (not) mandatory"
            ConvertTo-PipelineText $entry.pipelineInput | Should -Be (Get-PipelineText -Metadata $metadata)
            ($entry.description | ForEach-Object Text) -join '' | Should -Not -BeNullOrEmpty -Because "-$($entry.name) needs a description"
        }
    }

    It 'has one Get-Help syntax item per parameter set, with that set''s parameters' {
        $items = @($help.syntax.syntaxItem)
        $items.Count | Should -Be $command.ParameterSets.Count
        $expected = @($command.ParameterSets | ForEach-Object { @($_.Parameters | Where-Object { $commonParameters -notcontains $_.Name }).Count } | Sort-Object)
        @($items | ForEach-Object { @($_.parameter).Count } | Sort-Object) | Should -Be $expected
    }

    It 'prints every section of Get-Help -Full as text' {
        $text = Get-RenderedHelp -Name $Name -Full
        foreach ($heading in 'NAME', 'SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'PARAMETERS', 'INPUTS', 'OUTPUTS', 'NOTES', 'RELATED LINKS') {
            $text | Should -Match "(?m)^$heading\s*$" -Because "Get-Help $Name -Full prints a $heading section"
        }
        $text | Should -Match '-+ Example 1: .+'
        $text | Should -Match 'Example 2: .+'
        foreach ($parameter in $parameters) {
            $text | Should -Match "(?m)^    -$($parameter.Name)\b" -Because "Get-Help $Name -Full describes -$($parameter.Name)"
        }
        $text | Should -BeLike '*<CommonParameters>*'
    }

    It 'has a MAML command with every part' {
        $maml = [xml](Get-Content -LiteralPath $stagedMaml -Raw)
        $node = @(Select-Maml $maml "/msh:helpItems/command:command[command:details/command:name='$Name']")
        $node.Count | Should -Be 1
        $node = $node[0]
        $verb, $noun = $Name -split '-', 2
        (Select-Maml $node 'command:details/command:verb').InnerText | Should -Be $verb
        (Select-Maml $node 'command:details/command:noun').InnerText | Should -Be $noun
        @(Select-Maml $node 'command:details/maml:description/maml:para').Count | Should -BeGreaterThan 0
        @(Select-Maml $node 'maml:description/maml:para').Count | Should -BeGreaterThan 0
        @(Select-Maml $node 'command:syntax/command:syntaxItem').Count | Should -Be $command.ParameterSets.Count
        $mamlParameters = @(Select-Maml $node 'command:parameters/command:parameter')
        $mamlParameters.Count | Should -Be $parameters.Count
        foreach ($parameter in $mamlParameters) {
            foreach ($attribute in 'required', 'variableLength', 'globbing', 'pipelineInput', 'position', 'aliases') {
                $parameter.HasAttribute($attribute) | Should -BeTrue -Because "the MAML parameter needs its $attribute attribute"
            }
            @(Select-Maml $parameter 'dev:type/maml:name').Count | Should -Be 1
            @(Select-Maml $parameter 'dev:defaultValue').Count | Should -Be 1
        }
        @(Select-Maml $node 'command:inputTypes/command:inputType').Count | Should -BeGreaterThan 0
        @(Select-Maml $node 'command:returnValues/command:returnValue').Count | Should -BeGreaterThan 0
        @(Select-Maml $node 'maml:alertSet/maml:alert').Count | Should -BeGreaterThan 0
        $examples = @(Select-Maml $node 'command:examples/command:example')
        $examples.Count | Should -BeGreaterOrEqual 2
        foreach ($example in $examples) {
            (Select-Maml $example 'maml:title').InnerText | Should -BeLike '*Example*'
            (Select-Maml $example 'dev:code').InnerText | Should -Not -BeNullOrEmpty
            @(Select-Maml $example 'dev:remarks/maml:para').Count | Should -BeGreaterThan 0
        }
        @(Select-Maml $node 'command:relatedLinks/maml:navigationLink').Count | Should -BeGreaterThan 0
    }
}

Describe 'Get-Help -Parameter' {
    It 'prints the parameter block' {
        $text = Get-RenderedHelp -Name Invoke-RedisCommand -Parameter BatchSize
        $text | Should -BeLike '*-BatchSize <Int32>*'
        $text | Should -Match 'Default value\s+1000'
        $text | Should -Match 'Position\?\s+named'
    }
}

Describe 'The staged MAML' {
    It 'has one command per exported cmdlet' {
        $maml = [xml](Get-Content -LiteralPath $stagedMaml -Raw)
        $maml.DocumentElement.LocalName | Should -Be 'helpItems'
        $maml.DocumentElement.NamespaceURI | Should -Be 'http://msh'
        $maml.DocumentElement.GetAttribute('schema') | Should -Be 'maml'
        $names = @(Select-Maml $maml '/msh:helpItems/command:command/command:details/command:name' | ForEach-Object { $_.InnerText.Trim() })
        ($names | Sort-Object) | Should -Be (@(Get-Command -Module RedisCluster -CommandType Cmdlet).Name | Sort-Object)
    }
}

Describe 'docs/cmdlets' {
    It 'has no page for a cmdlet the module does not export' {
        $exported = @(Get-Command -Module RedisCluster -CommandType Cmdlet).Name
        @(Get-ChildItem -Path $docs -Filter *.md | Where-Object { $exported -notcontains $_.BaseName }).Name | Should -BeNullOrEmpty
    }
}

Describe 'about_RedisCluster' {
    BeforeAll {
        $text = Get-Help about_RedisCluster | Out-String
    }

    It 'is found by Get-Help' {
        Get-RenderedHelp -Name about_RedisCluster | ForEach-Object TrimStart | Should -BeLike 'TOPIC*'
        $text | Should -Match 'about_RedisCluster'
        $text | Should -Match 'SHORT DESCRIPTION'
        $text | Should -Match 'LONG DESCRIPTION'
    }

    It 'covers connections, hash tags, fill, tunnels and the security defaults' {
        foreach ($subject in 'session', '{user1}.a', 'Start-RedisFill', 'Start-RedisTunnel', 'Standalone', 'Pinned', 'Smart',
            '-SkipCertificateCheck', 'PSCredential', '127.0.0.1') {
            $text | Should -Match ([regex]::Escape($subject))
        }
    }

    It 'names every exported cmdlet' {
        foreach ($name in @(Get-Command -Module RedisCluster -CommandType Cmdlet).Name) {
            $text | Should -Match ([regex]::Escape($name))
        }
    }

    It 'is staged with the MAML next to the module' {
        Join-Path $stagedHelp 'RedisCluster.PowerShell.dll-Help.xml' | Should -Exist
        Join-Path $stagedHelp 'about_RedisCluster.help.txt' | Should -Exist
    }

    It 'fits a console: TOPIC first, prose lines under 80 columns' {
        $lines = Get-Content -LiteralPath $stagedAbout
        $lines[0] | Should -BeExactly 'TOPIC'
        # Indented lines are code and URLs may not break; the rest is prose a console must not wrap.
        $long = @($lines | Where-Object { -not $_.StartsWith('        ') -and -not $_.Contains('://') -and $_.Length -ge 80 })
        $long | Should -BeNullOrEmpty
    }

    It 'is the text the build writes from docs/about_RedisCluster.help.md' {
        $committed = (Get-Content -LiteralPath (Join-Path $root 'docs/about_RedisCluster.help.txt') -Raw) -replace "`r`n", "`n"
        $built = (Get-Content -LiteralPath (Join-Path $stagedHelp 'about_RedisCluster.help.txt') -Raw) -replace "`r`n", "`n"
        $committed | Should -BeExactly $built -Because 'docs/about_RedisCluster.help.txt must be refreshed from out/help/en-US after editing the .md'
    }
}
