#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# The staged manifest (out/RedisCluster/RedisCluster.psd1) is what the package ships: it must be valid, say
# where it runs, export an explicit list, and carry the gallery metadata and the release notes.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'FreshPwsh.psm1') -Force
    $root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $script:stagedPath = Join-Path $root 'out/RedisCluster/RedisCluster.psd1'
    $script:manifest = Test-ModuleManifest -Path $stagedPath -ErrorAction Stop
    # The raw data, because Test-ModuleManifest fills in what the file leaves out.
    $script:data = Import-PowerShellDataFile $stagedPath
    $script:sourceData = Import-PowerShellDataFile (Join-Path $root 'RedisCluster.psd1')

    # The top section of CHANGELOG.md: its first '## ' heading up to the next one.
    $lines = Get-Content (Join-Path $root 'CHANGELOG.md')
    $start = [array]::FindIndex($lines, [Predicate[string]] { param($l) $l.StartsWith('## ') })
    $end = [array]::FindIndex($lines, $start + 1, [Predicate[string]] { param($l) $l.StartsWith('## ') })
    if ($end -lt 0) { $end = $lines.Count }
    $script:topSection = (($lines[$start..($end - 1)] | ForEach-Object TrimEnd) -join "`n").Trim()
}

Describe 'The staged module manifest' {
    It 'passes Test-ModuleManifest' {
        $manifest.Name | Should -Be 'RedisCluster'
        $manifest.Version | Should -Be ([version]$sourceData.ModuleVersion)
    }

    It 'runs on Windows PowerShell 5.1 and PowerShell 7' {
        $manifest.PowerShellVersion | Should -Be ([version]'5.1')
        @($manifest.CompatiblePSEditions | Sort-Object) | Should -Be @('Core', 'Desktop')
        $manifest.Tags | Should -Contain 'PSEdition_Core'
        $manifest.Tags | Should -Contain 'PSEdition_Desktop'
    }

    It 'exports an explicit list, without wildcards, that matches what the module exports' {
        foreach ($key in 'CmdletsToExport', 'FunctionsToExport', 'AliasesToExport', 'VariablesToExport') {
            $data.ContainsKey($key) | Should -BeTrue -Because "$key must be explicit, or PowerShell exports everything"
            @($data[$key] | Where-Object { [System.Management.Automation.WildcardPattern]::ContainsWildcardCharacters($_) }) | Should -BeNullOrEmpty
        }
        $data.CmdletsToExport.Count | Should -BeGreaterThan 0
        # Imported in a child session: the declared list is exactly what a user gets.
        $child = 'Import-Module $env:RC_TEST_MODULE -ErrorAction Stop; @{ Cmdlets = @((Get-Module RedisCluster).ExportedCmdlets.Keys) } | ConvertTo-Json -Compress'
        $exported = Invoke-FreshPwsh -Script $child -Environment @{ RC_TEST_MODULE = $stagedPath }
        @($exported.Cmdlets | Sort-Object) | Should -Be @($data.CmdletsToExport | Sort-Object)
    }

    It 'carries tags, a license and the project address' {
        $psData = $data.PrivateData.PSData
        $psData.Tags | Should -Contain 'Redis'
        $psData.LicenseUri | Should -Match '^https://'
        $psData.ProjectUri | Should -Be 'https://github.com/RedisCluster/RedisCluster'
        $manifest.ProjectUri | Should -Be ([uri]'https://github.com/RedisCluster/RedisCluster')
    }

    It 'has the top section of CHANGELOG.md as its release notes' {
        $topSection | Should -Match '^## '
        ($data.PrivateData.PSData.ReleaseNotes -replace "`r`n", "`n") | Should -BeExactly $topSection
    }

    It 'keeps only a pointer to the changelog in the source manifest' {
        $sourceData.PrivateData.PSData.ReleaseNotes | Should -Match 'CHANGELOG\.md'
    }
}
