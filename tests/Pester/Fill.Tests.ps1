#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Owns Start-RedisFill as a user meets it in pwsh: -WhatIf (the flush and the fill are only described) and the
# warning a shortfall writes to the warning stream. The fill engine's numbers (bytes, keys, shares per node,
# shortfall, seeds), a replica target and stopping a fill are the xunit tests' (tests/Unit/Fill).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../out/RedisCluster/RedisCluster.psd1') -Force
    Import-Module (Join-Path $PSScriptRoot 'TestServer.psm1') -Force
    $script:server = Start-TestRedis
    $script:tiny = Start-TestRedis -ExtraConfig @('maxmemory 8mb', 'maxmemory-policy noeviction')
}

AfterAll {
    Stop-TestRedis $server
    Stop-TestRedis $tiny
}

Describe 'Start-RedisFill' {
    It 'neither flushes nor fills under -WhatIf' {
        Invoke-RedisCommand SET pester:canary alive -Endpoint $server.Endpoint | Out-Null
        Start-RedisFill -Endpoint $server.Endpoint -SizeMB 1 -Flush -WhatIf | Should -BeNullOrEmpty
        Invoke-RedisCommand GET pester:canary -Endpoint $server.Endpoint | Should -Be 'alive'
        Start-RedisFill -Endpoint $server.Endpoint -SizeMB 1 -WhatIf | Should -BeNullOrEmpty
        Invoke-RedisCommand DBSIZE -Endpoint $server.Endpoint | Should -Be 1
    }

    It 'warns about a shortfall under maxmemory' {
        Start-RedisFill -Endpoint $tiny.Endpoint -SizeMB 20 -Flush -Force -WarningVariable warnings -WarningAction SilentlyContinue | Out-Null
        ($warnings -join "`n") | Should -Match 'maxmemory'
    }
}
