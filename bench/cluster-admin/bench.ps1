# Driven by run.sh: the timed work of both tools, interleaved. Times are wall clock around the work itself: the
# module is imported once beforehand; redis-cli includes its own start (a few ms).
param([string] $Ports, [int] $Rounds, [int] $KeysPerSlot, [string] $Module, [int] $CreateRounds = $Rounds, [string] $NodeScript, [string] $Work)
$ErrorActionPreference = "Stop"
$ProgressPreference = $env:BENCH_PROGRESS ?? "Continue"
Import-Module $Module
$portList = $Ports -split " "
$endpoints = $portList | ForEach-Object { "127.0.0.1:$_" }

function Wait-Healthy([string[]] $On = $endpoints) { Test-RedisCluster $On[0] -Wait -Timeout 120 -ErrorAction Stop | Out-Null }
function Time([scriptblock] $work) { $sw = [Diagnostics.Stopwatch]::StartNew(); & $work | Out-Null; $sw.Elapsed.TotalSeconds }
# CPU seconds this pwsh process spends on the work (the cmdlet's engine runs in it).
function Cpu([scriptblock] $work) { $me = [Diagnostics.Process]::GetCurrentProcess(); $before = $me.TotalProcessorTime; & $work | Out-Null; $me.Refresh(); ($me.TotalProcessorTime - $before).TotalSeconds }

# Six fresh servers for one creation. Redis keeps a primary's cluster_state at fail for 2 s after its first cluster
# cron (CLUSTER_WRITABLE_DELAY), and for cluster-node-timeout (clamped to 0.5-5 s) after it last counted itself in a
# minority, which a primary without slots always does: healthy comes at the earliest cluster-node-timeout after the
# slots are assigned, whichever tool assigns them. Reused nodes would add the delays of their reset. So each
# creation starts new servers and begins 2.5 s after they answer PING, and runs with two node timeouts: 3000 ms
# (Redis's delay dominates) and 500 ms (the tools' own time shows).
function New-Nodes([string] $Name, [int] $NodeTimeout) {
    $dir = Join-Path $Work $Name
    $created = (& $NodeScript start $dir $NodeTimeout) -split ' '
    if ($LASTEXITCODE -ne 0) { throw "nodes.sh start failed for $dir" }
    $ready = [Diagnostics.Stopwatch]::StartNew()
    while ($ready.Elapsed.TotalSeconds -lt 2.5) { Start-Sleep -Milliseconds 50 }
    [pscustomobject]@{ Dir = $dir; Endpoints = [string[]]($created | ForEach-Object { "127.0.0.1:$_" }) }
}
function Remove-Nodes($set) { & $NodeScript stop $set.Dir | Out-Null }

# Creation, 3 primaries x 1 replica. redis-cli returns when the slots agree; New-RedisCluster also waits for
# cluster_state:ok everywhere and every replica in sync, so each is also shown up to "healthy" (Test-RedisCluster -Wait).
$create = foreach ($round in 1..$CreateRounds) {
    foreach ($timeout in 3000, 500) {
        $set = New-Nodes "create-cli-$round-$timeout" $timeout
        $on = $set.Endpoints
        $cli = Time { redis-cli --cluster create @on --cluster-replicas 1 --cluster-yes }
        $cliHealthy = $cli + (Time { Wait-Healthy $on })
        Remove-Nodes $set
        $set = New-Nodes "create-ours-$round-$timeout" $timeout
        $on = $set.Endpoints
        $ours = Time { $on | New-RedisCluster -ReplicasPerPrimary 1 }
        $oursHealthy = $ours + (Time { Wait-Healthy $on })
        Remove-Nodes $set
        [pscustomobject]@{ Round = $round; NodeTimeoutMs = $timeout; RedisCli = [math]::Round($cli, 2); RedisCliHealthy = [math]::Round($cliHealthy, 2); NewRedisCluster = [math]::Round($ours, 2); NewRedisClusterHealthy = [math]::Round($oursHealthy, 2); Ratio = [math]::Round($cliHealthy / $oursHealthy, 2) }
    }
}
'## Create 3x1 on fresh servers (seconds; Ratio = redis-cli healthy / New-RedisCluster healthy)'
$create | Format-Table -AutoSize | Out-String -Width 200

$endpoints | New-RedisCluster -ReplicasPerPrimary 1 | Out-Null
Wait-Healthy
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
# Moves 0-999 back to the source with Move-RedisSlot; returns the seconds, the CPU seconds of this process and the
# verbose line that says where the time went.
function Move-Back([int] $SlotsAtOnce, [int] $KeysPerBatch, [int] $Pipeline) {
    $log = $null
    $seconds = 0
    $cpu = Cpu { $script:seconds = Time { $script:log = Move-RedisSlot -Slot 0-999 -Destination $a.Endpoint -Cluster $endpoints[0] -KeysPerBatch $KeysPerBatch -Pipeline $Pipeline -SlotsAtOnce $SlotsAtOnce -Confirm:$false -Verbose 4>&1 } }
    $steps = ($script:log | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like '*time per step*' }).Message
    [pscustomobject]@{ Seconds = $script:seconds; Cpu = $cpu; Steps = $steps }
}
# Each variant of Move-RedisSlot is paired with a redis-cli run just before it (redis-cli moves 0-999 from the source,
# Move-RedisSlot moves them back), so every ratio compares two runs a few seconds apart.
$variants = @(
    @{ Name = 'default (32 at once, 100 keys x 10)'; SlotsAtOnce = 32; KeysPerBatch = $batch; Pipeline = 10 }
    @{ Name = '1 slot at a time, 100 keys x 10'; SlotsAtOnce = 1; KeysPerBatch = $batch; Pipeline = 10 }
    @{ Name = '32 at once, 100 keys x 1'; SlotsAtOnce = 32; KeysPerBatch = $batch; Pipeline = 1 }
    @{ Name = '32 at once, 1000 keys x 10'; SlotsAtOnce = 32; KeysPerBatch = 1000; Pipeline = 10 }
)
$steps = @()
$reshard = foreach ($round in 1..$Rounds) {
    foreach ($variant in $variants) {
        $cliCpuFile = New-TemporaryFile
        # redis-cli moves the first 1000 slots of the source: 0-999.
        $cli = Time { /usr/bin/time -f '%U %S' -o $cliCpuFile redis-cli --cluster reshard $endpoints[0] --cluster-from $a.Id --cluster-to $b.Id --cluster-slots 1000 --cluster-yes --cluster-pipeline $batch }
        $cliCpu = ((Get-Content $cliCpuFile | Select-Object -Last 1) -split ' ' | Measure-Object -Sum).Sum
        Remove-Item $cliCpuFile
        Wait-Healthy
        $ours = Move-Back $variant.SlotsAtOnce $variant.KeysPerBatch $variant.Pipeline
        Wait-Healthy
        $steps += "round $round, $($variant.Name): $($ours.Steps)"
        [pscustomobject]@{
            Round = $round; 'Move-RedisSlot' = $variant.Name
            'redis-cli keys/s' = [math]::Round($total / $cli); 'Move-RedisSlot keys/s' = [math]::Round($total / $ours.Seconds); Ratio = [math]::Round($cli / $ours.Seconds, 2)
            'redis-cli CPU s' = $cliCpu; 'Move-RedisSlot CPU s' = [math]::Round($ours.Cpu, 2)
        }
    }
}
"## Reshard 1000 slots, $total keys: redis-cli --cluster-pipeline $batch, then Move-RedisSlot back (ratio = Move-RedisSlot keys/s / redis-cli keys/s of the pair); load now: $(Get-Content /proc/loadavg)"
$reshard | Format-Table -AutoSize | Out-String -Width 250
'## Where Move-RedisSlot spent its time (seconds summed per step, rounds in brackets)'
$steps
if ((redis-cli -p $a.Endpoint.Port dbsize) -ne $total) { throw "keys lost: $(redis-cli -p $a.Endpoint.Port dbsize) of $total on the source" }
