# One round of bench/slot-moves/run.sh: slots 0-99 from the first primary to the second and straight back; fails
# (exit 1, showing the views) when the primaries do not agree on the owners within 10 s or a key is missing.
param([string]$Module, [string]$Ports)
$ErrorActionPreference = 'Stop'
Import-Module $Module
$nodes = $Ports -split ' '

# "id slot,slot,..." for each primary, as the node on that port sees them.
function Get-View([string]$Port) {
    redis-cli -p $Port CLUSTER NODES | Where-Object { $_ -match 'master' } |
        ForEach-Object { $f = $_.Trim() -split ' '; $f[0] + ' ' + ($f[8..($f.Count - 1)] -join ',') } | Sort-Object
}

$total = ($nodes | ForEach-Object { [long](redis-cli -p $_ DBSIZE) } | Measure-Object -Sum).Sum
$null = Move-RedisSlot -Slot 0-99 -Destination "127.0.0.1:$($nodes[1])" -Confirm:$false
$null = Move-RedisSlot -Slot 0-99 -Destination "127.0.0.1:$($nodes[0])" -Confirm:$false
$deadline = [DateTime]::UtcNow.AddSeconds(10)
do {
    $agree = @($nodes | ForEach-Object { (Get-View $_) -join '; ' } | Select-Object -Unique).Count -eq 1
} until ($agree -or [DateTime]::UtcNow -gt $deadline)
$count = ($nodes | ForEach-Object { [long](redis-cli -p $_ DBSIZE) } | Measure-Object -Sum).Sum
if (-not $agree -or $count -ne $total) {
    "$count of $total keys; the views:"
    $nodes | ForEach-Object { "  ${_}: " + ((Get-View $_) -join '; ') }
    exit 1
}
