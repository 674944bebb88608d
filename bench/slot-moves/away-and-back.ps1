# The rounds of bench/slot-moves/run.sh, in one warm pwsh: each round starts three redis-servers in $Work on $Ports (cluster-
# node-timeout 3000 ms, as the tests' clusters), makes them a cluster with New-RedisCluster (as the tests do), writes
# ten keys in each of the slots 0-99, moves the slots from the first primary to the second and straight back, then waits
# (10 s at most) until every primary shows the same owners and counts the keys. A failed round shows the views.
param([string]$Module, [string]$Work, [string]$Ports, [int]$Rounds)
$ErrorActionPreference = 'Stop'
Import-Module $Module

# Ten keys in each of the slots 0-99 (the module's table of a hash tag per slot); the first primary holds slots 0-5460.
$sets = foreach ($slot in 0..99) {
    $tag = [Text.Encoding]::ASCII.GetString([RedisCluster.Engine.Cluster.SlotTagTable]::Shared.GetTag($slot))
    foreach ($n in 1..10) { "SET {$tag}:$n $n" }
}

# "id slot,slot,..." for each primary, as the node on that port sees them.
function Get-View([string]$Port) {
    redis-cli -p $Port CLUSTER NODES | Where-Object { $_ -match 'master' } |
        ForEach-Object { $f = $_.Trim() -split ' '; $f[0] + ' ' + ($f[8..($f.Count - 1)] -join ',') } | Sort-Object
}

$failed = 0
# The same three ports every round (redis-server listens with SO_REUSEADDR, its cluster bus too).
$nodes = $Ports -split ' '
for ($round = 1; $round -le $Rounds; $round++) {
    $servers = foreach ($port in $nodes) {
        $dir = New-Item -ItemType Directory -Path (Join-Path $Work "round$round-$port")
        Start-Process redis-server -PassThru -WorkingDirectory $dir -RedirectStandardOutput (Join-Path $dir 'out.log') -ArgumentList @(
            '--port', $port, '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf',
            '--cluster-node-timeout', '3000', '--save', '""', '--appendonly', 'no')
    }
    try {
        foreach ($port in $nodes) { while ((redis-cli -p $port PING 2>$null) -ne 'PONG') { Start-Sleep -Milliseconds 20 } }
        $endpoints = $nodes | ForEach-Object { "127.0.0.1:$_" }
        $null = New-RedisCluster $endpoints -ReplicasPerPrimary 0
        $null = Test-RedisCluster $endpoints -Wait -Timeout 60
        $null = $sets | redis-cli -p $nodes[0]
        $total = ($nodes | ForEach-Object { [long](redis-cli -p $_ DBSIZE) } | Measure-Object -Sum).Sum

        $null = Move-RedisSlot -Slot 0-99 -Destination "127.0.0.1:$($nodes[1])" -Confirm:$false
        $null = Move-RedisSlot -Slot 0-99 -Destination "127.0.0.1:$($nodes[0])" -Confirm:$false
        $deadline = [DateTime]::UtcNow.AddSeconds(10)
        do {
            $agree = @($nodes | ForEach-Object { (Get-View $_) -join '; ' } | Select-Object -Unique).Count -eq 1
        } until ($agree -or [DateTime]::UtcNow -gt $deadline)
        $count = ($nodes | ForEach-Object { [long](redis-cli -p $_ DBSIZE) } | Measure-Object -Sum).Sum
        if (-not $agree -or $count -ne $total) {
            $failed++
            "round ${round}: $count of $total keys; the views:"
            $nodes | ForEach-Object { "  ${_}: " + ((Get-View $_) -join '; ') }
        }
    } finally {
        $servers | Stop-Process -ErrorAction SilentlyContinue
        $servers | Wait-Process -ErrorAction SilentlyContinue
    }
}
"rounds: $Rounds, failed: $failed (slots 0-99 away and back, ten keys each)"
