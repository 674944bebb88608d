#Requires -Version 7.0
<#
.SYNOPSIS
    A short tour of RedisCluster against throwaway local servers: commands, a cluster made from empty nodes,
    a fill, a smart tunnel.
.DESCRIPTION
    Starts a standalone redis-server and a 3-primary cluster on free loopback ports, walks through the
    module's main jobs as a user would type them, and stops every server it started (by process id) at
    the end, also when a step fails. Needs redis-server and redis-cli on PATH and the module staged in
    out/RedisCluster (build.ps1 -Task Build does that; build.ps1 -Task Build, Tour runs both).
#>
[CmdletBinding()]
param(
    # Where the module is imported from: the staged build by default.
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/RedisCluster/RedisCluster.psd1')
)

$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force
Import-Module (Join-Path $PSScriptRoot '../tests/Pester/TestServer.psm1') -Force

function Show-Step([string] $Text) { Write-Host "`n== $Text" -ForegroundColor Cyan }
function Show-Command([string] $Text) { Write-Host "PS> $Text" -ForegroundColor Yellow }

$standalone = $null
$cluster = $null
$tunnel = $null
try {
    Show-Step 'Starting throwaway servers (a standalone server and three empty cluster-enabled nodes on free loopback ports)'
    $standalone = Start-TestRedis
    $cluster = [pscustomobject]@{ Nodes = @(1..3 | ForEach-Object { Start-TestRedis -Cluster }) }
    $endpoints = $cluster.Nodes | ForEach-Object Endpoint
    Write-Host "standalone: $($standalone.Endpoint); empty nodes: $($endpoints -join ', ')"

    Show-Step 'Commands against a standalone server'
    Show-Command "Connect-Redis -Endpoint $($standalone.Endpoint)"
    Connect-Redis -Endpoint $standalone.Endpoint | Format-Table | Out-Host
    Show-Command "Invoke-RedisCommand 'SET greeting `"hello world`"'; Invoke-RedisCommand GET greeting"
    Invoke-RedisCommand 'SET greeting "hello world"' | Out-Host
    Invoke-RedisCommand GET greeting | Out-Host
    Show-Command '1..1000 | ForEach-Object { "RPUSH tour:queue $_" } | Invoke-RedisCommand | Select-Object -Last 1'
    1..1000 | ForEach-Object { "RPUSH tour:queue $_" } | Invoke-RedisCommand | Select-Object -Last 1 | Out-Host
    Show-Command "Invoke-RedisCommand HSET tour:user name ada lang powershell; Invoke-RedisCommand HGETALL tour:user"
    Invoke-RedisCommand HSET tour:user name ada lang powershell | Out-Null
    Invoke-RedisCommand HGETALL tour:user | Out-Host
    Show-Command 'Invoke-RedisCommand INCR greeting   # an error reply is a non-terminating error'
    Invoke-RedisCommand INCR greeting -ErrorAction Continue 2>&1 | ForEach-Object { Write-Host "error: $_" -ForegroundColor Red }

    Show-Step 'A cluster from empty nodes: New-RedisCluster assigns the slots and waits until every node agrees'
    Show-Command "New-RedisCluster -Endpoint $($endpoints -join ',') -ReplicasPerPrimary 0 -Confirm:`$false | Test-RedisCluster -Wait"
    New-RedisCluster -Endpoint $endpoints -ReplicasPerPrimary 0 -Confirm:$false | Test-RedisCluster -Wait | Format-Table | Out-Host
    $cluster | Add-Member -NotePropertyName Seed -NotePropertyValue $endpoints[0]

    Show-Step 'Routing by slot, cross-slot commands, nodes'
    Show-Command "Connect-Redis -Endpoint $($cluster.Seed)"
    Connect-Redis -Endpoint $cluster.Seed | Format-Table | Out-Host
    Show-Command 'Get-RedisClusterNode'
    Get-RedisClusterNode | Format-Table | Out-Host
    Show-Command "Invoke-RedisCommand MSET user:1 ada user:2 grace user:3 linus; Invoke-RedisCommand MGET user:1 user:2 user:3 -Detailed"
    Invoke-RedisCommand MSET user:1 ada user:2 grace user:3 linus | Out-Null
    Invoke-RedisCommand MGET user:1 user:2 user:3 -Detailed | Format-Table | Out-Host
    Show-Command 'Invoke-RedisCommand SUNIONSTORE dst a b   # CROSSSLOT, explained'
    Invoke-RedisCommand SUNIONSTORE dst a b -ErrorAction Continue 2>&1 | ForEach-Object { Write-Host "error: $_" -ForegroundColor Red }

    Show-Step 'Seeding the cluster: Start-RedisFill spreads data over every primary and verifies it'
    Show-Command '$r = Start-RedisFill -SizeMB 16 -Flush -Confirm:$false; $r; $r.Nodes'
    $r = Start-RedisFill -SizeMB 16 -Flush -Confirm:$false
    $r | Format-Table | Out-Host
    $r.Nodes | Format-Table | Out-Host

    Show-Step 'A smart tunnel: the whole cluster behind one local endpoint that redis-cli uses as a single server'
    $port = Get-FreeListenerPort
    Show-Command "Start-RedisTunnel -Endpoint $($cluster.Seed) -ListenPort $port -Name tour -PassThru"
    $tunnel = Start-RedisTunnel -Endpoint $cluster.Seed -ListenPort $port -Name tour -PassThru
    $tunnel | Format-Table | Out-Host
    foreach ($arguments in @(@('SET', 'tour:tunnel', 'through the tunnel'), @('GET', 'tour:tunnel'), @('MSET', 'tour:{a}', '1', 'tour:{b}', '2', 'tour:{c}', '3'), @('MGET', 'tour:{a}', 'tour:{b}', 'tour:{c}'), @('DBSIZE'))) {
        Show-Command "redis-cli -p $port $($arguments -join ' ')"
        & redis-cli -p $port @arguments | Out-Host
        if ($LASTEXITCODE -ne 0) { throw "redis-cli through the tunnel failed with exit code $LASTEXITCODE" }
    }
    Show-Command 'Stop-RedisTunnel -Name tour -PassThru'
    Stop-RedisTunnel -Name tour -PassThru | Format-Table | Out-Host
    $tunnel = $null

    Show-Step 'Done. Get-Help about_RedisCluster and Get-Help <cmdlet> -Full have the details.'
}
finally {
    if ($tunnel) { $tunnel | Stop-RedisTunnel }
    Disconnect-Redis -ErrorAction SilentlyContinue
    Stop-TestRedisCluster $cluster
    Stop-TestRedis $standalone
}
