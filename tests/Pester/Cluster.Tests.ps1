#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# The user-facing checks of tests/Unit/Module/ClusterCmdletTests.cs and EnterRedisCliTests.cs, for machines with pwsh.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../out/RedisCluster/RedisCluster.psd1') -Force
    Import-Module (Join-Path $PSScriptRoot 'TestServer.psm1') -Force
    $script:cluster = Start-TestRedisCluster
    Connect-Redis -Endpoint $cluster.Seed | Out-Null
}

AfterAll {
    Disconnect-Redis
    Stop-TestRedisCluster $cluster
}

Describe 'Commands against a cluster' {
    It 'detects the cluster' {
        (Connect-Redis -Endpoint $cluster.Seed -NoDefault).IsCluster | Should -BeTrue
    }

    It 'runs multi-key commands across slots and keeps order' {
        $keys = 1..30 | ForEach-Object { "pester:c:$_" }
        $keys | ForEach-Object { "SET $_ value-$_" } | Invoke-RedisCommand | Out-Null
        $values = Invoke-RedisCommand -Command (@('MGET') + $keys)
        $values.Count | Should -Be 30
        $values[29] | Should -Be 'value-pester:c:30'
        Invoke-RedisCommand -Command (@('DEL') + $keys) | Should -Be 30
    }

    It 'explains CROSSSLOT errors' {
        Invoke-RedisCommand SUNIONSTORE pester:a pester:b pester:c -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'RedisServerError.CROSSSLOT*'
        $err[0].Exception.Message | Should -Match 'hash tag'
    }

    It 'never shows a MIGRATE password that Redis reads as a key (AUTH2 after KEYS)' {
        $secret = 'Mig-Pester-S3cret!'
        $all = Invoke-RedisCommand MIGRATE 127.0.0.1 1 '' 0 5000 KEYS pester:mig AUTH2 someone $secret -Detailed -Verbose -Debug -ErrorVariable err -ErrorAction SilentlyContinue *>&1 | Out-String
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'RedisServerError.CROSSSLOT*'
        $err[0].Exception.Message | Should -Match 'hidden argument'
        ($err | Out-String) + $err[0].ErrorDetails.Message + $err[0].Exception.Command | Should -Not -Match ([regex]::Escape($secret))
        $all | Should -Not -Match ([regex]::Escape($secret))
        $all | Should -Match 'AUTH2 \*\*\*\* \*\*\*\*'

        # -WhatIf writes to the host, which only a transcript sees.
        $transcript = Join-Path ([IO.Path]::GetTempPath()) ("whatif-" + [guid]::NewGuid() + '.txt')
        Start-Transcript -Path $transcript | Out-Null
        try { Invoke-RedisCommand MIGRATE 127.0.0.1 1 '' 0 5000 KEYS pester:mig AUTH2 someone $secret -WhatIf } finally { Stop-Transcript | Out-Null }
        $whatIf = Get-Content -Raw $transcript
        Remove-Item $transcript
        $whatIf | Should -Match 'MIGRATE'
        $whatIf | Should -Not -Match ([regex]::Escape($secret))
    }

    It 'shows the node and slot with -Detailed' {
        $r = Invoke-RedisCommand SET pester:detailed v -Detailed
        $r.Slot | Should -BeGreaterOrEqual 0
        $r.Endpoint | Should -Match '^127\.0\.0\.1:\d+$'
    }

    It 'lists the nodes' {
        $nodes = Get-RedisClusterNode
        $nodes.Count | Should -Be 6
        @($nodes | Where-Object Role -eq 'Primary').Count | Should -Be 3
    }

    It 'pipes node objects into Invoke-RedisCommand by endpoint' {
        $roles = Get-RedisClusterNode | Invoke-RedisCommand -Command 'ROLE' -NoEnumerate | ForEach-Object { $_[0] }
        @($roles | Where-Object { $_ -eq 'master' }).Count | Should -Be 3
    }

    It 'scans every primary with Get-RedisKey and pipes keys by property name' {
        1..50 | ForEach-Object { "SET pester:scan:$_ x" } | Invoke-RedisCommand | Out-Null
        $keys = Get-RedisKey -Pattern 'pester:scan:*'
        $keys.Count | Should -Be 50
        ($keys.Node | Sort-Object -Unique).Count | Should -Be 3
        (Get-RedisKey -Pattern 'pester:scan:*' | Invoke-RedisCommand EXPIRE -ArgumentList 100 | Where-Object { $_ -eq 1 }).Count | Should -Be 50
    }
}
