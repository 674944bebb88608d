#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# The user-facing checks of tests/Unit/Fill/StartRedisFillTests.cs, for machines with pwsh.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../out/RedisCluster/RedisCluster.psd1') -Force
    Import-Module (Join-Path $PSScriptRoot 'TestServer.psm1') -Force
    $script:server = Start-TestRedis
    $script:tiny = Start-TestRedis -ExtraConfig @('maxmemory 8mb', 'maxmemory-policy noeviction')
    $script:cluster = Start-TestRedisCluster
}

AfterAll {
    Stop-TestRedis $server
    Stop-TestRedis $tiny
    Stop-TestRedisCluster $cluster
}

Describe 'Start-RedisFill' {
    It 'fills 50 MB and counts every key' {
        $r = Start-RedisFill -Endpoint $server.Endpoint -SizeMB 50 -Flush -Confirm:$false
        $r.Completed | Should -BeTrue
        $r.Bytes | Should -BeGreaterOrEqual 50MB
        Invoke-RedisCommand DBSIZE -Endpoint $server.Endpoint | Should -Be $r.Keys
    }

    It 'does not flush under -WhatIf' {
        Invoke-RedisCommand SET pester:canary alive -Endpoint $server.Endpoint | Out-Null
        Start-RedisFill -Endpoint $server.Endpoint -SizeMB 1 -Flush -WhatIf | Should -BeNullOrEmpty
        Invoke-RedisCommand GET pester:canary -Endpoint $server.Endpoint | Should -Be 'alive'
    }

    It 'spreads a cluster fill by owned slots' {
        $r = Start-RedisFill -Endpoint $cluster.Seed -SizeMB 30 -Flush -Force -WithReplies
        $r.Errors | Should -Be 0
        $r.Shortfall | Should -Be 0
        foreach ($n in $r.Nodes) { [math]::Abs($n.Share - $n.Slots / 16384) | Should -BeLessThan 0.05 }
    }

    It 'warns about a shortfall under maxmemory' {
        $r = Start-RedisFill -Endpoint $tiny.Endpoint -SizeMB 20 -Flush -Force -WarningVariable warnings -WarningAction SilentlyContinue
        $r.Shortfall | Should -BeGreaterThan 0
        ($warnings -join "`n") | Should -Match 'maxmemory'
    }

    It 'refuses a replica target' {
        $replica = $cluster.Nodes | Where-Object { (& redis-cli -p $_.Port role)[0] -eq 'slave' } | Select-Object -First 1
        { Start-RedisFill -Endpoint $replica.Endpoint -Standalone -SizeMB 1 } | Should -Throw -ExpectedMessage '*replica*'
    }
}
