#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Dependency isolation on PowerShell 7: a session in which another module already loaded a different
# BouncyCastle.Cryptography (2.4.0 here; the module ships 2.7.0 and reads PEM keys with it) can still import
# the staged module and connect with a PEM client certificate, while the engine, whose types are the module's
# output, stays in PowerShell's default context where a user can name them. A NEW pwsh, because an assembly
# once loaded stays loaded for the life of the process.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestServer.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'FreshPwsh.psm1') -Force
    $root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $script:staged = Join-Path $root 'out/RedisCluster'

    # BouncyCastle.Cryptography 2.4.0 comes from NuGet (build/tools/Tools.csproj downloads it).
    & dotnet restore (Join-Path $root 'build/tools/Tools.csproj') --verbosity quiet
    if ($LASTEXITCODE -ne 0) { throw 'dotnet restore build/tools/Tools.csproj failed' }
    $script:otherBouncyCastle = Join-Path (Get-NuGetPackagesFolder) 'bouncycastle.cryptography/2.4.0/lib/net6.0/BouncyCastle.Cryptography.dll'
    if (-not (Test-Path $otherBouncyCastle)) { throw "BouncyCastle.Cryptography 2.4.0 was restored but $otherBouncyCastle is missing." }

    $script:certs = New-TestCertificates
    $tlsPort = Get-FreePort
    # tls-auth-clients yes: the connection only works if the module read the PEM key (with its BouncyCastle).
    $script:server = Start-TestRedis -ExtraConfig @(
        "tls-port $tlsPort", "tls-cert-file $($certs.ServerCert)", "tls-key-file $($certs.ServerKey)",
        "tls-ca-cert-file $($certs.Ca)", 'tls-auth-clients yes')
    $script:isolated = New-IsolatedHome

    $child = @'
$ErrorActionPreference = 'Stop'
# What another module does: load its own BouncyCastle and use it.
$other = [System.Reflection.Assembly]::LoadFrom($env:RC_TEST_OTHER_BOUNCYCASTLE)
$null = [Org.BouncyCastle.Security.SecureRandom]::new()
Import-Module $env:RC_TEST_MODULE
$ping = Invoke-RedisCommand PING -Endpoint $env:RC_TEST_ENDPOINT -Tls -CaCertificatePath $env:RC_TEST_CA `
    -ClientCertificatePath $env:RC_TEST_CLIENT_CERT -ClientKeyPath $env:RC_TEST_CLIENT_KEY
# Remove-Module and a new import (as Import-Module -Force does) keep the engine usable.
Remove-Module RedisCluster
Import-Module $env:RC_TEST_MODULE
$again = Invoke-RedisCommand PING -Endpoint $env:RC_TEST_ENDPOINT -Tls -CaCertificatePath $env:RC_TEST_CA `
    -ClientCertificatePath $env:RC_TEST_CLIENT_CERT -ClientKeyPath $env:RC_TEST_CLIENT_KEY
# A user names the module's output types: they resolve by name once the module is imported.
$typeName = {
    param([scriptblock] $Literal)
    try { (& $Literal).FullName } catch { "$_" }
}
$tunnel = Start-RedisTunnel -Endpoint $env:RC_TEST_ENDPOINT -Tls -CaCertificatePath $env:RC_TEST_CA `
    -ClientCertificatePath $env:RC_TEST_CLIENT_CERT -ClientKeyPath $env:RC_TEST_CLIENT_KEY -ListenPort 0 -PassThru
try {
    $tunnelIsRedisTunnel = try { $tunnel -is [RedisCluster.Engine.Tunnel.RedisTunnel] } catch { "$_" }
}
finally { $tunnel | Stop-RedisTunnel }
$contextOf = {
    param([string] $Name)
    @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq $Name } | ForEach-Object {
        [pscustomobject]@{ Context = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name; Location = $_.Location }
    })
}
[pscustomobject]@{
    Ping         = "$ping"
    PingAgain    = "$again"
    TunnelType   = & $typeName { [RedisCluster.Engine.Tunnel.RedisTunnel] }
    FillType     = & $typeName { [RedisCluster.Engine.Fill.FillResult] }
    TunnelIsRedisTunnel = $tunnelIsRedisTunnel
    BouncyCastle = & $contextOf 'BouncyCastle.Cryptography'
    Engine       = & $contextOf 'RedisCluster.Engine'
    Pem          = & $contextOf 'RedisCluster.Pem'
    Pipelines    = & $contextOf 'System.IO.Pipelines'
    # The other module keeps resolving its own version by name.
    OtherStillResolves = [Org.BouncyCastle.Security.SecureRandom].Assembly.Location
} | ConvertTo-Json -Compress -Depth 4
'@
    # What every child needs to connect with a PEM client certificate; each adds the module it imports.
    $script:tlsClientEnvironment = $isolated.Environment + @{
        RC_TEST_ENDPOINT    = "127.0.0.1:$tlsPort"
        RC_TEST_CA          = $certs.Ca
        RC_TEST_CLIENT_CERT = $certs.ClientCert
        RC_TEST_CLIENT_KEY  = $certs.ClientKey
    }
    $environment = $tlsClientEnvironment + @{
        RC_TEST_OTHER_BOUNCYCASTLE = $otherBouncyCastle
        RC_TEST_MODULE             = Join-Path $staged 'RedisCluster.psd1'
    }
    $script:result = Invoke-FreshPwsh -Script $child -Environment $environment
}

AfterAll {
    Stop-TestRedis $server
    if ($certs) { Remove-Item $certs.Directory -Recurse -Force -ErrorAction SilentlyContinue }
    if ($isolated) { Remove-Item $isolated.Path -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'RedisCluster next to another BouncyCastle version' {
    It 'connects over TLS with a PEM client certificate and key' {
        $result.Ping | Should -Be 'PONG'
    }

    It 'still works after Remove-Module and a new Import-Module' {
        $result.PingAgain | Should -Be 'PONG'
    }

    It 'loads its PEM reader and its own BouncyCastle into the module''s load context' {
        $result.Pem.Count | Should -Be 1
        $result.Pem[0].Context | Should -Be 'RedisCluster'
        $result.Pem[0].Location | Should -BeLike "$staged*Dependencies*"
        $ours = @($result.BouncyCastle | Where-Object Location -Like "$staged*")
        $ours.Count | Should -Be 1
        $ours[0].Context | Should -Be 'RedisCluster'
        $ours[0].Location | Should -BeLike "$staged*Dependencies*"
    }

    It 'loads its engine once, from the module root, into the default context' {
        $result.Engine.Count | Should -Be 1
        $result.Engine[0].Context | Should -Be 'Default'
        $result.Engine[0].Location | Should -Be (Join-Path $staged 'RedisCluster.Engine.dll')
    }

    It 'leaves the other module''s BouncyCastle where it was' {
        $result.OtherStillResolves | Should -Be $otherBouncyCastle
        @($result.BouncyCastle | Where-Object Location -EQ $otherBouncyCastle)[0].Context | Should -Be 'Default'
    }

    It 'takes framework assemblies from the framework, not from Dependencies' {
        $result.Pipelines.Count | Should -Be 1
        $result.Pipelines[0].Context | Should -Be 'Default'
        $result.Pipelines[0].Location | Should -Not -BeLike "$staged*"
    }
}

Describe 'The engine''s types in that session' {
    # The module's output objects are engine types: a user writes them as type literals.
    It 'resolve as type literals after Import-Module' {
        $result.TunnelType | Should -Be 'RedisCluster.Engine.Tunnel.RedisTunnel'
        $result.FillType | Should -Be 'RedisCluster.Engine.Fill.FillResult'
    }

    It 'match what the cmdlets return with -is' {
        # A bool: an "Unable to find type" message would be truthy too.
        $result.TunnelIsRedisTunnel | Should -BeOfType [bool]
        $result.TunnelIsRedisTunnel | Should -BeTrue
    }
}

Describe 'A module copy without its PEM reader' {
    BeforeAll {
        # A damaged install: everything but Dependencies/RedisCluster.Pem.dll.
        $script:damaged = Join-Path $isolated.Path 'damaged/RedisCluster'
        New-Item -ItemType Directory -Path (Split-Path $damaged) -Force | Out-Null
        Copy-Item $staged $damaged -Recurse
        Remove-Item (Join-Path $damaged 'Dependencies/RedisCluster.Pem.dll')
        $child = @'
Import-Module $env:RC_TEST_MODULE
$failure = try {
    $null = Invoke-RedisCommand PING -Endpoint $env:RC_TEST_ENDPOINT -Tls -CaCertificatePath $env:RC_TEST_CA `
        -ClientCertificatePath $env:RC_TEST_CLIENT_CERT -ClientKeyPath $env:RC_TEST_CLIENT_KEY -ErrorAction Stop
} catch { $_ }
[pscustomobject]@{
    Message  = "$failure"
    Category = "$($failure.CategoryInfo.Category)"
} | ConvertTo-Json -Compress
'@
        $environment = $tlsClientEnvironment + @{ RC_TEST_MODULE = Join-Path $damaged 'RedisCluster.psd1' }
        $script:damagedResult = Invoke-FreshPwsh -Script $child -Environment $environment
    }

    It 'says which file is missing when it must read a PEM file' {
        $damagedResult.Message | Should -BeLike '*RedisCluster.Pem.dll*could not be loaded*'
        $damagedResult.Category | Should -Be 'InvalidArgument'
    }
}
