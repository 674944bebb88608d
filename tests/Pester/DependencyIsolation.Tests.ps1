#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Dependency isolation on PowerShell 7: a session in which another module already loaded a different
# BouncyCastle.Cryptography (2.4.0 here; the module ships 2.7.0 and reads PEM keys with it) can still import
# the staged module and connect with a PEM client certificate. A NEW pwsh, because an assembly once loaded
# stays loaded for the life of the process.

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
$contextOf = {
    param([string] $Name)
    @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq $Name } | ForEach-Object {
        [pscustomobject]@{ Context = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name; Location = $_.Location }
    })
}
[pscustomobject]@{
    Ping         = "$ping"
    PingAgain    = "$again"
    BouncyCastle = & $contextOf 'BouncyCastle.Cryptography'
    Engine       = & $contextOf 'RedisCluster.Engine'
    Pipelines    = & $contextOf 'System.IO.Pipelines'
    # The other module keeps resolving its own version by name.
    OtherStillResolves = [Org.BouncyCastle.Security.SecureRandom].Assembly.Location
} | ConvertTo-Json -Compress -Depth 4
'@
    $environment = $isolated.Environment + @{
        RC_TEST_OTHER_BOUNCYCASTLE = $otherBouncyCastle
        RC_TEST_MODULE             = Join-Path $staged 'RedisCluster.psd1'
        RC_TEST_ENDPOINT           = "127.0.0.1:$tlsPort"
        RC_TEST_CA                 = $certs.Ca
        RC_TEST_CLIENT_CERT        = $certs.ClientCert
        RC_TEST_CLIENT_KEY         = $certs.ClientKey
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

    It 'loads its engine and its own BouncyCastle into the module''s load context' {
        $result.Engine.Context | Should -Be 'RedisCluster'
        $result.Engine.Location | Should -BeLike "$staged*Dependencies*"
        $ours = @($result.BouncyCastle | Where-Object Location -Like "$staged*")
        $ours.Count | Should -Be 1
        $ours[0].Context | Should -Be 'RedisCluster'
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
