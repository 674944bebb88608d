#Requires -Version 7.0
<#
.SYNOPSIS
    Builds, tests and documents the RedisCluster module.
.DESCRIPTION
    Tasks:
      Build  - compiles the solution; the MSBuild target StageModule stages out/RedisCluster (manifest,
               DLLs, format file, help).
      Test   - dotnet test (needs redis-server), then the Pester specs in tests/Pester when Pester 5 is installed.
      Docs   - builds the MAML help from docs/cmdlets (PlatyPS when installed, the build's own converter otherwise).
      Clean  - removes out/ and every bin/ and obj/ folder.
.EXAMPLE
    ./build.ps1 -Task Build, Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Docs', 'Clean')]
    [string[]] $Task = @('Build'),

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$staged = Join-Path $root 'out/RedisCluster'

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

function Invoke-Test {
    Invoke-Native dotnet @('test', (Join-Path $root 'RedisCluster.slnx'), '-c', $Configuration)
    $pester = Get-Module -ListAvailable -Name Pester | Where-Object Version -ge '5.0.0' | Select-Object -First 1
    if ($pester) {
        Import-Module $pester
        $config = New-PesterConfiguration
        $config.Run.Path = Join-Path $root 'tests/Pester'
        $config.Run.Exit = $true
        $config.Output.Verbosity = 'Detailed'
        Invoke-Pester -Configuration $config
    }
    else {
        Write-Warning 'Pester 5 is not installed; skipped tests/Pester (Install-Module Pester -MinimumVersion 5.0).'
    }
}

foreach ($t in $Task) {
    Write-Host "== $t" -ForegroundColor Cyan
    switch ($t) {
        'Clean' { Invoke-Clean }
        'Build' { Invoke-Build }
        'Docs'  { Invoke-Docs }
        'Test'  { Invoke-Test }
    }
}
