#Requires -Version 7.0
<#
.SYNOPSIS
    Builds, tests, packages and documents the RedisCluster module.
.DESCRIPTION
    Tasks:
      Build   - compiles the solution; the MSBuild target StageModule stages out/RedisCluster (manifest,
                DLLs, format file, help).
      Test    - dotnet test (xunit; needs redis-server), then the Pester specs in tests/Pester in this pwsh
                against the staged module. Pester 5.9.1 comes from NuGet (build/tools/Tools.csproj). Ends
                with one line that counts both suites: "Tests: N passed, N failed".
      Pester  - only the Pester specs (after Build).
      Tour    - a short tour in this pwsh against throwaway local servers (examples/Tour.ps1; after Build).
      Docs    - builds the MAML help from docs/cmdlets (PlatyPS when installed, the build's own converter otherwise).
      Package - publishes the staged module (building it first if it is missing) with PSResourceGet to a local
                file repository: out/packages/RedisCluster.<version>.nupkg. Install it with
                Install-PSResource -Name RedisCluster -Repository <a repository registered on out/packages>.
      Clean   - removes out/ and every bin/ and obj/ folder.
    Run it with the pinned pwsh: dotnet tool restore; dotnet pwsh -c './build.ps1 -Task Build, Test'
    (with -c: pwsh -File would pass 'Build,' and 'Test' as two separate words).
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Build, Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Pester', 'Tour', 'Docs', 'Package', 'Clean')]
    [string[]] $Task = @('Build'),

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$staged = Join-Path $root 'out/RedisCluster'
$packages = Join-Path $root 'out/packages'

function Invoke-Native {
    param([string] $File, [string[]] $Arguments)
    & $File @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$File $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

function Invoke-Clean {
    foreach ($dir in @(Join-Path $root 'out') + (Get-ChildItem $root -Recurse -Directory -Include bin, obj | ForEach-Object FullName)) {
        if (Test-Path $dir) { Remove-Item $dir -Recurse -Force }
    }
}

function Invoke-Docs {
    $helpOut = Join-Path $root 'out/help/en-US'
    if (Get-Module -ListAvailable -Name platyPS) {
        Import-Module platyPS
        New-ExternalHelp -Path (Join-Path $root 'docs/cmdlets') -OutputPath $helpOut -Force | Out-Null
        Copy-Item (Join-Path $root 'docs/about_RedisCluster.help.txt') $helpOut -ErrorAction SilentlyContinue
    }
    else {
        # Without PlatyPS the build's own converter (an MSBuild step) produces the same MAML.
        Invoke-Native dotnet @('build', (Join-Path $root 'src/RedisCluster.PowerShell'), '-c', $Configuration, '-t:BuildHelp')
    }
}

function Invoke-Build {
    Invoke-Native dotnet @('build', (Join-Path $root 'RedisCluster.slnx'), '-c', $Configuration)
    Write-Host "Staged module: $staged"
}

# PSResourceGet (shipped with pwsh 7.4+) builds the .nupkg by publishing to a file repository on out/packages.
# The repository is registered only for the publish and unregistered afterwards, so the user's PSResourceGet
# configuration ends as it began; one left behind by an interrupted run (same name, same folder) is replaced.
function Invoke-Package {
    $manifest = Join-Path $staged 'RedisCluster.psd1'
    if (-not (Test-Path $manifest)) { Invoke-Build }
    Import-Module Microsoft.PowerShell.PSResourceGet -ErrorAction Stop
    $version = (Import-PowerShellDataFile $manifest).ModuleVersion
    New-Item -ItemType Directory -Path $packages -Force | Out-Null
    $nupkg = Join-Path $packages "RedisCluster.$version.nupkg"
    Remove-Item $nupkg -ErrorAction SilentlyContinue

    $name = 'RedisClusterBuildOutput'
    $existing = Get-PSResourceRepository -Name $name -ErrorAction SilentlyContinue
    if ($existing) {
        if ($existing.Uri.LocalPath.TrimEnd('/', '\') -ne (Resolve-Path $packages).Path.TrimEnd('/', '\')) {
            throw "A PSResourceGet repository named '$name' already exists for $($existing.Uri); unregister it or rename it."
        }
        Unregister-PSResourceRepository -Name $name
    }
    Register-PSResourceRepository -Name $name -Uri $packages -Trusted
    try {
        Publish-PSResource -Path $staged -Repository $name
    }
    finally {
        Unregister-PSResourceRepository -Name $name
    }
    if (-not (Test-Path $nupkg)) { throw "Publish-PSResource finished but $nupkg is missing." }
    Write-Host "Package: $nupkg"
}

# Pester 5.9.1 from the NuGet package (its tools/ folder is the module): no PSGallery needed.
function Import-PesterFromNuGet {
    Invoke-Native dotnet @('restore', (Join-Path $root 'build/tools/Tools.csproj'), '--verbosity', 'quiet')
    $packages = $env:NUGET_PACKAGES
    if (-not $packages) {
        $line = & dotnet nuget locals global-packages --list
        $packages = ($line -replace '^\s*global-packages:\s*', '').Trim()
    }
    $manifest = Join-Path $packages 'pester/5.9.1/tools/Pester.psd1'
    if (-not (Test-Path $manifest)) { throw "Pester 5.9.1 was restored but $manifest is missing." }
    Import-Module $manifest -Force -Global
}

function Invoke-XunitTests {
    $lines = [System.Collections.Generic.List[string]]::new()
    & dotnet test (Join-Path $root 'RedisCluster.slnx') -c $Configuration 2>&1 | ForEach-Object { $lines.Add("$_"); Write-Host $_ }
    $exit = $LASTEXITCODE
    $summary = $lines | Where-Object { $_ -match '(Passed|Failed)!\s+-\s+Failed:\s+(\d+),\s+Passed:\s+(\d+)' } | Select-Object -Last 1
    if (-not $summary) {
        # No summary means the run broke before reporting (a build error, a crashed host): count it as one failure.
        return [pscustomobject]@{ Passed = 0; Failed = 1; Failures = @('  dotnet test ended without a summary line (build error or crashed test host); see its output above') }
    }
    $null = $summary -match 'Failed:\s+(\d+),\s+Passed:\s+(\d+)'
    $failed = [int]$Matches[1]
    if ($exit -ne 0 -and $failed -eq 0) { $failed = 1 }
    [pscustomobject]@{ Passed = [int]$Matches[2]; Failed = $failed; Failures = @(Get-XunitFailureBlocks $lines) }
}

# Each failed test's name, message and first stack lines, to repeat beside the closing line: CI logs are
# often read from the end, and a failure 1,000 lines up is easy to miss.
function Get-XunitFailureBlocks([System.Collections.Generic.List[string]] $Lines) {
    for ($i = 0; $i -lt $Lines.Count; $i++) {
        if ($Lines[$i] -notmatch '^\s+Failed\s+\S') { continue }
        $end = [Math]::Min($Lines.Count, $i + 14)
        $block = for ($j = $i; $j -lt $end; $j++) {
            if ($j -gt $i -and $Lines[$j] -match '^\s+(Failed|Passed)\s+\S') { break }
            $Lines[$j]
        }
        $block -join [Environment]::NewLine
    }
}

function Invoke-PesterSpecs {
    # The specs are written for a user's shell, which does not run in strict mode; this script does.
    Set-StrictMode -Off
    Import-PesterFromNuGet
    $config = New-PesterConfiguration
    $config.Run.Path = Join-Path $root 'tests/Pester'
    $config.Run.PassThru = $true
    $config.Output.Verbosity = 'Detailed'
    $result = Invoke-Pester -Configuration $config
    # A failed BeforeAll/AfterAll block fails its tests; a container that failed to run counts once.
    $failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    $failures = @(
        foreach ($test in $result.Failed) { "  Failed $($test.ExpandedPath): $($test.ErrorRecord | Select-Object -First 1)" }
        foreach ($block in $result.FailedBlocks) { "  Failed block $($block.Path -join ' '): $($block.ErrorRecord | Select-Object -First 1)" }
        foreach ($container in $result.FailedContainers) { "  Failed container $($container.Item): $($container.ErrorRecord | Select-Object -First 1)" }
    )
    [pscustomobject]@{ Passed = $result.PassedCount; Failed = $failed; Failures = $failures }
}

$counts = [System.Collections.Generic.List[object]]::new()
foreach ($t in $Task) {
    Write-Host "== $t" -ForegroundColor Cyan
    switch ($t) {
        'Clean'  { Invoke-Clean }
        'Build'  { Invoke-Build }
        'Docs'   { Invoke-Docs }
        'Package' { Invoke-Package }
        'Test'   { $counts.Add((Invoke-XunitTests)); $counts.Add((Invoke-PesterSpecs)) }
        'Pester' { $counts.Add((Invoke-PesterSpecs)) }
        'Tour'   { & (Join-Path $root 'examples/Tour.ps1') }
    }
}

if ($counts.Count -gt 0) {
    $passed = ($counts | Measure-Object Passed -Sum).Sum
    $failed = ($counts | Measure-Object Failed -Sum).Sum
    $failures = @($counts | ForEach-Object { $_.Failures } | Where-Object { $_ })
    if ($failures.Count -gt 0) {
        Write-Host 'Failures (repeated from above):'
        $failures | ForEach-Object { Write-Host $_ }
    }
    # The plain closing line CI reads; the exit code says the same.
    Write-Host "Tests: $passed passed, $failed failed"
    exit ([int]($failed -gt 0))
}
