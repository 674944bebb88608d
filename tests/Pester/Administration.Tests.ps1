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

Describe 'New-RedisCluster' {
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

    It 'stops with an error that names a node holding keys' {
        redis-cli -p $servers[1].Port debug populate 3 | Out-Null
        { $servers | New-RedisCluster -ReplicasPerPrimary 0 -ErrorAction Stop } |
            Should -Throw -ExpectedMessage "Node $($servers[1].Endpoint) is not empty: it holds 3 key(s)*"
        $servers | ForEach-Object { Get-KnownNodes $_ | Should -Be '1' }
    }
}
