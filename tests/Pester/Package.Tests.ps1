#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# The package as a user gets it: build.ps1 -Task Package publishes the staged module with PSResourceGet to
# out/packages; a NEW pwsh with an empty HOME and module path installs it with Install-PSResource, imports it
# by name and runs a command against a real redis-server.

# Install-PSResource -Scope CurrentUser follows HOME on Linux and macOS only; on Windows it would write into
# the real user's Documents folder.
Describe 'The RedisCluster package' -Skip:$IsWindows {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestServer.psm1') -Force
        Import-Module (Join-Path $PSScriptRoot 'FreshPwsh.psm1') -Force
        $script:root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
        $staged = Join-Path $root 'out/RedisCluster'
        $script:version = (Import-PowerShellDataFile (Join-Path $staged 'RedisCluster.psd1')).ModuleVersion
        $script:nupkg = Join-Path $root "out/packages/RedisCluster.$version.nupkg"

        # Package again when there is no package or the staged module changed after it was made.
        $newestStaged = Get-ChildItem $staged -Recurse -File | Sort-Object LastWriteTimeUtc | Select-Object -Last 1
        if (-not (Test-Path $nupkg) -or (Get-Item $nupkg).LastWriteTimeUtc -lt $newestStaged.LastWriteTimeUtc) {
            & (Join-Path $root 'build.ps1') -Task Package
        }

        $script:server = Start-TestRedis
        $script:isolated = New-IsolatedHome
        $child = @'
$ErrorActionPreference = 'Stop'
# PSResourceGet keeps its settings under LocalApplicationData: it must be the empty HOME, not the user's.
$settings = [Environment]::GetFolderPath('LocalApplicationData')
if (-not $settings -or -not $settings.StartsWith($env:HOME)) { throw "PSResourceGet settings would go to '$settings', outside the test's HOME." }
$before = @(Get-Module -ListAvailable -Name RedisCluster).Count
Register-PSResourceRepository -Name RedisClusterLocal -Uri $env:RC_TEST_REPOSITORY -Trusted
Install-PSResource -Name RedisCluster -Repository RedisClusterLocal -Scope CurrentUser -TrustRepository
$installed = Get-InstalledPSResource -Name RedisCluster
Import-Module RedisCluster
$module = Get-Module RedisCluster
$set = Invoke-RedisCommand SET package:k installed -Endpoint $env:RC_TEST_ENDPOINT
$get = Invoke-RedisCommand GET package:k -Endpoint $env:RC_TEST_ENDPOINT
[pscustomobject]@{
    AvailableBefore   = $before
    InstalledVersion  = "$($installed.Version)"
    InstalledLocation = $installed.InstalledLocation
    ModuleBase        = $module.ModuleBase
    ModuleVersion     = "$($module.Version)"
    Cmdlets           = @($module.ExportedCmdlets.Keys | Sort-Object)
    Set               = "$set"
    Get               = "$get"
} | ConvertTo-Json -Compress
'@
        $environment = $isolated.Environment + @{
            RC_TEST_REPOSITORY = Split-Path $nupkg
            RC_TEST_ENDPOINT   = $server.Endpoint
        }
        $script:result = Invoke-FreshPwsh -Script $child -Environment $environment
    }

    AfterAll {
        Stop-TestRedis $server
        if ($isolated) { Remove-Item $isolated.Path -Recurse -Force -ErrorAction SilentlyContinue }
    }

    It 'is written by build.ps1 -Task Package' {
        $nupkg | Should -Exist
    }

    It 'installs with Install-PSResource into a module path that had no RedisCluster' {
        $result.AvailableBefore | Should -Be 0
        $result.InstalledVersion | Should -Be $version
        $result.InstalledLocation | Should -BeLike "$($isolated.Path)*"
    }

    It 'imports by name from the installed copy' {
        $result.ModuleBase | Should -BeLike "$($isolated.Modules)*"
        $result.ModuleVersion | Should -Be $version
        $result.Cmdlets | Should -Contain 'Invoke-RedisCommand'
    }

    It 'runs commands against a real server' {
        $result.Set | Should -Be 'OK'
        $result.Get | Should -Be 'installed'
    }
}
