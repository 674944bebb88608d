# Copy-RedisKey against redis-cli --cluster import --cluster-copy: the same 100,000 keys (with TTLs) from the same
# standalone server into the same 3-primary cluster, in interleaved rounds, as keys/s and as a ratio per round.
# Needs a build first (dotnet build RedisCluster.slnx -c Release). Starts its own servers on free loopback ports
# and stops them (by pid) at the end.
#   dotnet pwsh -NoProfile -File bench/copy-keys/run.ps1 [-Keys 100000] [-Rounds 3]
param([int] $Keys = 100000, [int] $Rounds = 3)
$ErrorActionPreference = 'Stop'
$root = Resolve-Path (Join-Path $PSScriptRoot '../..')
Import-Module (Join-Path $root 'out/RedisCluster/RedisCluster.psd1') -Force
Import-Module (Join-Path $root 'tests/Pester/TestServer.psm1') -Force

$source = Start-TestRedis
$cluster = Start-TestRedisCluster -Primaries 3 -ReplicasPerPrimary 0
try {
    $file = [System.IO.Path]::GetTempFileName()
    $lines = [System.Collections.Generic.List[string]]::new($Keys)
    for ($i = 0; $i -lt $Keys; $i++) { $lines.Add("SET bench:$i value-$i-$('x' * 64) EX 86400") }
    [System.IO.File]::WriteAllLines($file, $lines)
    Get-Content $file -Raw | & redis-cli -p $source.Port --pipe | Out-Null
    Remove-Item $file
    $count = [long](& redis-cli -p $source.Port DBSIZE)
    if ($count -ne $Keys) { throw "The source holds $count keys, not $Keys." }

    function Clear-Cluster { $cluster.Nodes | ForEach-Object { & redis-cli -p $_.Port FLUSHALL | Out-Null } }
    function Get-ClusterKeys { [long]($cluster.Nodes | ForEach-Object { [long](& redis-cli -p $_.Port DBSIZE) } | Measure-Object -Sum).Sum }

    $from = Connect-Redis -Endpoint $source.Endpoint -NoDefault
    $to = Connect-Redis -Endpoint $cluster.Seed -NoDefault
    $rows = foreach ($round in 1..$Rounds) {
        Clear-Cluster
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        & redis-cli --cluster import $cluster.Seed --cluster-from $source.Endpoint --cluster-copy *> $null
        $cliSeconds = $clock.Elapsed.TotalSeconds
        $cliKeys = Get-ClusterKeys

        Clear-Cluster
        $clock.Restart()
        $result = Copy-RedisKey -Source $from -Destination $to
        $cmdletSeconds = $clock.Elapsed.TotalSeconds
        $cmdletKeys = Get-ClusterKeys

        [pscustomobject]@{
            Round              = $round
            RedisCliKeys       = $cliKeys
            RedisCliKeysPerSec = [math]::Round($cliKeys / $cliSeconds)
            CmdletKeys         = $cmdletKeys
            CmdletKeysPerSec   = [math]::Round($cmdletKeys / $cmdletSeconds)
            CmdletCopied       = $result.Copied
            Ratio              = [math]::Round(($cmdletKeys / $cmdletSeconds) / ($cliKeys / $cliSeconds), 2)
        }
    }
    $rows | Format-Table -AutoSize | Out-String -Width 160
    "load: $((Get-Content /proc/loadavg -ErrorAction SilentlyContinue) -join ' ')"
}
finally {
    Stop-TestRedis $source
    Stop-TestRedisCluster $cluster
}
