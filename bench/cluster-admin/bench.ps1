# Driven by run.sh: the timed work of both tools, interleaved. Times are wall clock around the work itself: the
# module is imported once beforehand; redis-cli includes its own start (a few ms).
param([string] $Ports, [int] $Rounds, [int] $KeysPerSlot, [string] $Module)
$ErrorActionPreference = "Stop"
$ProgressPreference = $env:BENCH_PROGRESS ?? "Continue"
Import-Module $Module
$portList = $Ports -split " "
$endpoints = $portList | ForEach-Object { "127.0.0.1:$_" }

function Reset-Nodes {
    foreach ($p in $portList) { redis-cli -p $p flushall | Out-Null; redis-cli -p $p cluster reset hard | Out-Null }
}
function Wait-Healthy { Test-RedisCluster $endpoints[0] -Wait -Timeout 120 -ErrorAction Stop | Out-Null }
function Time([scriptblock] $work) { $sw = [Diagnostics.Stopwatch]::StartNew(); & $work | Out-Null; $sw.Elapsed.TotalSeconds }
# CPU seconds this pwsh process spends on the work (the cmdlet's engine runs in it).
function Cpu([scriptblock] $work) { $me = [Diagnostics.Process]::GetCurrentProcess(); $before = $me.TotalProcessorTime; & $work | Out-Null; $me.Refresh(); ($me.TotalProcessorTime - $before).TotalSeconds }

# Creation, 3 primaries x 1 replica. redis-cli returns when the slots agree; New-RedisCluster also waits for
# cluster_state:ok everywhere and every replica in sync, so each is also shown up to "healthy" (Test-RedisCluster -Wait).
$create = foreach ($round in 1..$Rounds) {
    Reset-Nodes
    $cli = Time { redis-cli --cluster create @endpoints --cluster-replicas 1 --cluster-yes }
    $cliHealthy = $cli + (Time { Wait-Healthy })
    Reset-Nodes
    $ours = Time { $endpoints | New-RedisCluster -ReplicasPerPrimary 1 }
    $oursHealthy = $ours + (Time { Wait-Healthy })
    [pscustomobject]@{ Round = $round; RedisCli = [math]::Round($cli, 2); RedisCliHealthy = [math]::Round($cliHealthy, 2); NewRedisCluster = [math]::Round($ours, 2); NewRedisClusterHealthy = [math]::Round($oursHealthy, 2) }
}
'## Create 3x1 (seconds)'
$create | Format-Table -AutoSize | Out-String -Width 200

# Reshard: 1000 slots x KeysPerSlot keys from the owner of slot 0 to the owner of slot 6000 and back.
$nodes = Get-RedisClusterNode -Endpoint $endpoints[0] -Refresh
$a = $nodes | Where-Object { $_.IsPrimary -and ($_.Slots | Where-Object { $_.Contains(0) }) }
$b = $nodes | Where-Object { $_.IsPrimary -and ($_.Slots | Where-Object { $_.Contains(6000) }) }
$tags = & python3 -c @"
import sys
def crc16(d):
    c=0
    for x in d:
        c^=x<<8
        for _ in range(8):
            c=((c<<1)^0x1021)&0xffff if c&0x8000 else (c<<1)&0xffff
    return c
tags={}
i=0
while len(tags)<1000:
    s=format(i,'x'); k=crc16(s.encode())&16383
    if k<1000 and k not in tags: tags[k]=s
    i+=1
print(' '.join(tags[k] for k in range(1000)))
"@
$lines = foreach ($tag in ($tags -split ' ')) { foreach ($i in 1..$KeysPerSlot) { "SET {$tag}:$i value-$tag-$i" } }
$lines | redis-cli -p $a.Endpoint.Port | Out-Null
$total = 1000 * $KeysPerSlot
$batch = 100
# Moves 0-999 back to the source with Move-RedisSlot; returns the seconds and the verbose line that says where the time went.
function Move-Back([int] $SlotsAtOnce) {
    $log = $null
    $seconds = Time { $script:log = Move-RedisSlot -Slot 0-999 -Destination $a.Endpoint -Cluster $endpoints[0] -KeysPerBatch $batch -Pipeline 10 -SlotsAtOnce $SlotsAtOnce -Confirm:$false -Verbose 4>&1 }
    $steps = ($script:log | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like '*time per step*' }).Message
    [pscustomobject]@{ Seconds = $seconds; Steps = $steps }
}
$steps = @()
$reshard = foreach ($round in 1..$Rounds) {
    # redis-cli moves the first 1000 slots of the source: 0-999.
    $cliCpuFile = New-TemporaryFile
    $cli = Time { /usr/bin/time -f '%U %S' -o $cliCpuFile redis-cli --cluster reshard $endpoints[0] --cluster-from $a.Id --cluster-to $b.Id --cluster-slots 1000 --cluster-yes --cluster-pipeline $batch }
    $cliCpu = ((Get-Content $cliCpuFile | Select-Object -Last 1) -split ' ' | Measure-Object -Sum).Sum
    Remove-Item $cliCpuFile
    Wait-Healthy
    $grouped = $null
    $groupedCpu = Cpu { $script:grouped = Move-Back 32 }
    $steps += "round $round, 32 slots at once: $($grouped.Steps)"
    Wait-Healthy
    $cli2 = Time { redis-cli --cluster reshard $endpoints[0] --cluster-from $a.Id --cluster-to $b.Id --cluster-slots 1000 --cluster-yes --cluster-pipeline $batch }
    Wait-Healthy
    $single = Move-Back 1
    $steps += "round $round, 1 slot at a time: $($single.Steps)"
    Wait-Healthy
    [pscustomobject]@{
        Round = $round
        'redis-cli keys/s' = [math]::Round($total / $cli); 'redis-cli keys/s (2nd)' = [math]::Round($total / $cli2)
        'Move-RedisSlot keys/s' = [math]::Round($total / $grouped.Seconds); 'ratio' = [math]::Round((2 * $total / $grouped.Seconds) / ($total / $cli + $total / $cli2), 2)
        'Move-RedisSlot 1 at a time keys/s' = [math]::Round($total / $single.Seconds)
        'redis-cli CPU s' = $cliCpu; 'Move-RedisSlot CPU s' = [math]::Round($groupedCpu, 2)
    }
}
"## Reshard 1000 slots, $total keys (redis-cli --cluster-pipeline $batch; Move-RedisSlot -KeysPerBatch $batch -Pipeline 10, -SlotsAtOnce 32 and 1; ratio = Move-RedisSlot / mean of the two redis-cli runs)"
$reshard | Format-Table -AutoSize | Out-String -Width 250
'## Where Move-RedisSlot spent its time (seconds summed per step, pipelines in brackets)'
$steps
if ((redis-cli -p $a.Endpoint.Port dbsize) -ne $total) { throw "keys lost: $(redis-cli -p $a.Endpoint.Port dbsize) of $total on the source" }
