#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# The user journey of the cluster administration cmdlets in real pwsh: empty nodes to a checked cluster.
# What the cluster looks like afterwards is checked in depth by tests/Unit/Administration (xunit).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../out/RedisCluster/RedisCluster.psd1') -Force
    Import-Module (Join-Path $PSScriptRoot 'TestServer.psm1') -Force
    function Get-KnownNodes($server) {
        ((redis-cli -p $server.Port cluster info) -match '^cluster_known_nodes:' -replace '^cluster_known_nodes:', '').Trim()
    }
}

Describe 'New-RedisCluster and Test-RedisCluster' {
    BeforeEach {
        # DEBUG POPULATE is the only way to put a key on a node that serves no slot yet.
        $script:servers = @(1..3 | ForEach-Object { Start-TestRedis -Cluster -ExtraConfig 'enable-debug-command local' })
    }

    AfterEach {
        $servers | ForEach-Object { Stop-TestRedis $_ }
    }

    It 'changes nothing under -WhatIf' {
        $out = $servers | New-RedisCluster -ReplicasPerPrimary 0 -WhatIf
        $out | Should -BeNullOrEmpty
        $servers | ForEach-Object { Get-KnownNodes $_ | Should -Be '1' }
    }

    It 'creates a cluster from a pipeline of endpoint strings and shows the nodes as a table' {
        $nodes = $servers.Endpoint | New-RedisCluster -ReplicasPerPrimary 0
        $nodes.Count | Should -Be 3
        $table = $nodes | Format-Table | Out-String
        $table | Should -Match 'Primary\s+0-5460\s+Online'
        $table | Should -Match '10923-16383'
        $servers | ForEach-Object { Get-KnownNodes $_ | Should -Be '3' }
    }

    It 'creates a cluster and waits until Test-RedisCluster finds it healthy' {
        $result = $servers | New-RedisCluster -ReplicasPerPrimary 0 | Test-RedisCluster -Wait -Timeout 120 -ErrorAction Stop
        @($result).Count | Should -Be 1
        $result.IsHealthy | Should -BeTrue
        $result.CoveredSlotCount | Should -Be 16384
        ($result | Format-Table | Out-String) | Should -Match 'True\s+3\s+3\s+0\s+16384\s+0'
        ($result | Format-List | Out-String) | Should -Match 'CoveredSlots\s+: 16384 of 16384'
    }

    It 'lists an open slot in the list view' {
        $nodes = $servers | New-RedisCluster -ReplicasPerPrimary 0
        redis-cli -p $servers[0].Port cluster setslot 16000 importing $nodes[2].Id | Out-Null
        $result = Test-RedisCluster $servers[0].Endpoint
        $result.IsHealthy | Should -BeFalse
        ($result | Format-List | Out-String) | Should -Match "OpenSlots\s+: slot 16000 importing into $([regex]::Escape($servers[0].Endpoint)) from $([regex]::Escape($nodes[2].Endpoint.ToString()))"
    }

    It 'lists a slot that no primary serves, and -Fix serves it again' {
        $nodes = $servers | New-RedisCluster -ReplicasPerPrimary 0
        # The owner of slot 95 told that another primary holds it: each now points at the other.
        redis-cli -p $servers[0].Port cluster setslot 95 node $nodes[1].Id | Out-Null
        $result = Test-RedisCluster $servers[1].Endpoint
        $result.IsHealthy | Should -BeFalse
        ($result | Format-List | Out-String) | Should -Match 'UnservedSlots\s+: 95\r?\n'
        $result.Problems | Should -Contain 'No primary serves 1 slot(s) (95): each primary''s own view gives them to another, so clients are sent round in a loop.'

        $fixed = Test-RedisCluster $servers[1].Endpoint -Fix -Confirm:$false
        $fixed.IsHealthy | Should -BeTrue
        (redis-cli -c -p $servers[1].Port set '{5a2}:k' served) | Should -Be 'OK'
    }

    It 'stops with an error that names a node holding keys' {
        redis-cli -p $servers[1].Port debug populate 3 | Out-Null
        { $servers | New-RedisCluster -ReplicasPerPrimary 0 -ErrorAction Stop } |
            Should -Throw -ExpectedMessage "Node $($servers[1].Endpoint) is not empty: it holds 3 key(s)*"
        $servers | ForEach-Object { Get-KnownNodes $_ | Should -Be '1' }
    }
}

Describe 'Add-RedisClusterNode and Remove-RedisClusterNode' {
    BeforeAll {
        $script:members = @(1..3 | ForEach-Object { Start-TestRedis -Cluster })
        $script:spare = Start-TestRedis -Cluster
        $members | New-RedisCluster -ReplicasPerPrimary 0 | Out-Null
    }

    AfterAll {
        $members + $spare | ForEach-Object { Stop-TestRedis $_ }
    }

    It 'adds a piped node as a replica and removes it by piping the node object' {
        $added = $spare | Add-RedisClusterNode -Cluster $members[0].Endpoint -AsReplica
        $added.Role | Should -Be 'Replica'
        ($added | Format-Table | Out-String) | Should -Match 'Replica\s+\w{8}'
        $added | Remove-RedisClusterNode -Cluster $members[0].Endpoint -Confirm:$false
        Get-KnownNodes $members[0] | Should -Be '3'
        Get-KnownNodes $spare | Should -Be '1'
    }
}

Describe 'Move-RedisSlot' {
    BeforeAll {
        $script:members = @(1..3 | ForEach-Object { Start-TestRedis -Cluster })
        $script:nodes = $members | New-RedisCluster -ReplicasPerPrimary 0
    }

    AfterAll {
        $members | ForEach-Object { Stop-TestRedis $_ }
    }

    It 'moves piped slot numbers and ranges and shows the result as a table' {
        $result = @(100, 101, '102-110') | Move-RedisSlot -Destination $nodes[1] -Cluster $members[0].Endpoint -Confirm:$false
        $result.SlotCount | Should -Be 11
        $result.DestinationId | Should -Be $nodes[1].Id
        ($result | Format-Table | Out-String) | Should -Match "$([regex]::Escape($nodes[1].Endpoint.ToString()))\s+11\s+100-110\s+0"
        (redis-cli -p $members[0].Port cluster countkeysinslot 100) | Should -Be 0
        (Test-RedisCluster $members[0].Endpoint -Wait -Timeout 120).IsHealthy | Should -BeTrue
    }

    It 'refuses a slot given twice with an InvalidArgument error' {
        $err = { Move-RedisSlot -Slot '1-5', 3 -Destination $nodes[1].Endpoint -ErrorAction Stop } | Should -Throw -PassThru
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -BeLike 'Slot 3 is given twice (1-5 and 3 overlap)*'
    }
}

Describe 'Optimize-RedisCluster' {
    BeforeAll {
        $script:members = @(1..3 | ForEach-Object { Start-TestRedis -Cluster })
        $script:spare = Start-TestRedis -Cluster
        $script:nodes = $members | New-RedisCluster -ReplicasPerPrimary 0
        $script:added = $spare | Add-RedisClusterNode -Cluster $members[0].Endpoint
        function Get-SlotColumns { (redis-cli -p $members[0].Port cluster nodes | ForEach-Object { $f = $_ -split ' '; "$($f[0]) $($f[8..($f.Count - 1)] -join ' ')" } | Sort-Object) -join "`n" }
    }

    AfterAll {
        $members + $spare | ForEach-Object { Stop-TestRedis $_ }
    }

    It 'says what it would move under -WhatIf, per move, and changes nothing' {
        $before = Get-SlotColumns
        # "What if:" goes straight to the host: a transcript is where a script can read it.
        $transcript = Join-Path ([System.IO.Path]::GetTempPath()) "rc-pester-whatif-$PID-$(Get-Random).txt"
        Start-Transcript -Path $transcript | Out-Null
        try { $result = $members[0].Endpoint | Optimize-RedisCluster -UseEmptyPrimaries -WhatIf }
        finally { Stop-Transcript | Out-Null }
        $out = Get-Content $transcript -Raw
        Remove-Item $transcript
        $result | Should -BeNullOrEmpty
        foreach ($node in $nodes) {
            $out | Should -Match ('What if: Performing the operation "Move 136[56] slot\(s\) \(\d+-\d+\) to ' + [regex]::Escape($added.Endpoint.ToString()) + '" on target "' + [regex]::Escape($node.Endpoint.ToString()) + '"')
        }
        Get-SlotColumns | Should -Be $before
    }

    It 'shows the simulated plan and its primaries as tables' {
        $plan = Optimize-RedisCluster $members[0].Endpoint -UseEmptyPrimaries -Simulate
        ($plan | Format-Table | Out-String -Width 250) | Should -Match "True\s+3\s+4096\s+0\s+0\s+0\s+.*$([regex]::Escape("$($added.Endpoint)=4096"))"
        ($plan.Primaries | Format-Table | Out-String -Width 250) | Should -Match "$([regex]::Escape($added.Endpoint.ToString()))\s+1\s+True\s+0\s+4096\s+$($added.Id)"
        ($plan.Moves | Format-Table | Out-String -Width 250) | Should -Match "$([regex]::Escape($nodes[0].Endpoint.ToString()))\s+$([regex]::Escape($added.Endpoint.ToString()))\s+136[56]\s+0-136[45]\s+0\s+0"
    }

    It 'rebalances onto the new primary with the weights of a hashtable of node objects and writes the result' {
        # Shares of 16384 / 5: 3276 for weight 1, 6553 for weight 2; the 3 slots the truncation leaves go to the one receiver.
        $result = Optimize-RedisCluster $members[0].Endpoint -UseEmptyPrimaries -Weight @{ $added = 2 } -Confirm:$false
        $result.Simulated | Should -BeFalse
        ($result.Primaries | Where-Object Id -eq $added.Id).SlotsAfter | Should -Be 6556
        ($result | Format-List | Out-String) | Should -Match 'SlotsMoved\s+: 6556'
        (Test-RedisCluster $members[0].Endpoint -Wait -Timeout 120).IsHealthy | Should -BeTrue
    }

    It 'writes nothing under -WhatIf when every primary has its share already' {
        Optimize-RedisCluster $members[0].Endpoint -UseEmptyPrimaries -Weight @{ $added = 2 } -WhatIf | Should -BeNullOrEmpty
        (Optimize-RedisCluster $members[0].Endpoint -UseEmptyPrimaries -Weight @{ $added = 2 } -Confirm:$false).Moves | Should -BeNullOrEmpty
    }

    It 'refuses a negative weight with an InvalidArgument error before anything changes' {
        $before = Get-SlotColumns
        $err = { Optimize-RedisCluster $members[0].Endpoint -Weight @{ $nodes[0].Id = -1 } -ErrorAction Stop } | Should -Throw -PassThru
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -BeLike "The weight of $($nodes[0].Id) is -1*"
        Get-SlotColumns | Should -Be $before
    }
}
