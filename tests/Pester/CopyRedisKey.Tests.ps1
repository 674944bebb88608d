#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Copy-RedisKey in real pwsh: two Connect-Redis connections, the result as a user reads it, per-side credentials,
# per-key errors on the error stream, -WhatIf and binding errors. What lands on the destination (TTLs, types,
# counts, vanished keys, moves) is checked in depth by tests/Unit/KeyCopy (xunit).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../out/RedisCluster/RedisCluster.psd1') -Force
    Import-Module (Join-Path $PSScriptRoot 'TestServer.psm1') -Force
    $script:source = Start-TestRedis
    $script:target = Start-TestRedis
    $script:cluster = Start-TestRedisCluster -Primaries 3 -ReplicasPerPrimary 0
    function Invoke-Cli([object] $Server, [string[]] $Arguments) { & redis-cli -p $Server.Port @Arguments 2>$null }
    function Reset-Servers {
        Invoke-Cli $source FLUSHALL | Out-Null
        Invoke-Cli $target FLUSHALL | Out-Null
        $cluster.Nodes | ForEach-Object { Invoke-Cli $_ FLUSHALL | Out-Null }
    }
    function Get-ConnectionCount([object] $Server) {
        [long]((Invoke-Cli $Server @('INFO', 'stats')) -match '^total_connections_received:' -replace '^total_connections_received:', '').Trim()
    }
}

AfterAll {
    Stop-TestRedis $source
    Stop-TestRedis $target
    Stop-TestRedisCluster $cluster
}

Describe 'Copy-RedisKey' {
    BeforeEach { Reset-Servers }

    It 'copies a standalone server into a cluster between two Connect-Redis connections and shows a table' {
        1..200 | ForEach-Object { "SET seed:$_ value$_ EX 3600" } | & redis-cli -p $source.Port | Out-Null
        $from = Connect-Redis -Endpoint $source.Endpoint -NoDefault
        $to = Connect-Redis -Endpoint $cluster.Seed -NoDefault

        $result = Copy-RedisKey -Source $from -Destination $to

        $result.Copied | Should -Be 200
        $result.Skipped | Should -Be 0
        $table = $result | Format-Table | Out-String -Width 120
        $table | Should -Match 'Source\s+Destination\s+Copied\s+Skipped\s+Failed\s+Seconds\s+Keys/s'
        $table | Should -Match ([regex]::Escape($source.Endpoint) + '\s+' + [regex]::Escape($cluster.Seed) + ' \(cluster\)\s+200\s+0\s+0\s')
        ($result | Format-List | Out-String) | Should -Match 'Deleted\s+: \(copy: source kept\)'
        ($result.Nodes | Format-Table | Out-String) | Should -Match ([regex]::Escape($source.Endpoint) + '\s+200\s+0\s+0\s+0\s+0')
        $keys = @($cluster.Nodes | ForEach-Object { Invoke-Cli $_ DBSIZE }) | Measure-Object -Sum
        $keys.Sum | Should -Be 200
        Invoke-Cli $source DBSIZE | Should -Be '200'
    }

    It 'takes the source from the pipeline and copies back a cluster, skipping what the destination has' {
        1..30 | ForEach-Object { "SET {t}back:$_ new" } | & redis-cli -c -p $cluster.Nodes[0].Port | Out-Null
        Invoke-Cli $target @('SET', '{t}back:1', 'old') | Out-Null
        $to = Connect-Redis -Endpoint $target.Endpoint -NoDefault

        $result = Connect-Redis -Endpoint $cluster.Seed -NoDefault | Copy-RedisKey -Destination $to

        $result.Copied | Should -Be 29
        $result.Existing | Should -Be 1
        $result.Nodes.Count | Should -Be 3
        Invoke-Cli $target @('GET', '{t}back:1') | Should -Be 'old'
    }

    It 'connects each side with its own credential and writes the first per-key failures to the error stream' {
        1..15 | ForEach-Object { "SET deny:$_ v" } | & redis-cli -p $source.Port | Out-Null
        1..5 | ForEach-Object { "SET allowed:$_ v" } | & redis-cli -p $source.Port | Out-Null
        Invoke-Cli $source @('ACL', 'SETUSER', 'reader', 'on', '>reader-pw', '~*', '+@all') | Out-Null
        Invoke-Cli $target @('ACL', 'SETUSER', 'writer', 'on', '>writer-pw', '~allowed:*', '+@all') | Out-Null
        $reader = [pscredential]::new('reader', (ConvertTo-SecureString 'reader-pw' -AsPlainText -Force))
        $writer = [pscredential]::new('writer', (ConvertTo-SecureString 'writer-pw' -AsPlainText -Force))

        $result = Copy-RedisKey -SourceEndpoint $source.Endpoint -SourceCredential $reader -DestinationEndpoint $target.Endpoint -DestinationCredential $writer `
            -ErrorAction SilentlyContinue -ErrorVariable failures -WarningVariable warnings -BatchSize 4

        $result.Copied | Should -Be 5
        $result.Failed | Should -Be 15
        $failures.Count | Should -Be 10
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'RedisCopyKeyFailed*'
        $failures[0].CategoryInfo.Category | Should -Be 'WriteError'
        $failures[0].TargetObject | Should -BeLike 'deny:*'
        $failures[0].Exception.Message | Should -Match "Key 'deny:\d+' \(on $([regex]::Escape($source.Endpoint))\): RESTORE failed on .*NOPERM"
        "$warnings" | Should -Be '15 keys could not be copied or deleted; the first 10 were written as errors. The result counts them all.'
        "$failures $warnings" | Should -Not -Match 'writer-pw|reader-pw'
    }

    It 'copies from a plaintext server to a TLS server with an ACL user, each side connected its own way' {
        $certs = New-TestCertificates
        $tlsTarget = Start-TestRedis -Certificates $certs -ExtraConfig @('user carol on >carol-pw ~* &* +@all')
        try {
            1..40 | ForEach-Object { "SET tls:$_ v$_ EX 600" } | & redis-cli -p $source.Port | Out-Null
            $carol = [pscredential]::new('carol', (ConvertTo-SecureString 'carol-pw' -AsPlainText -Force))
            $from = Connect-Redis -Endpoint $source.Endpoint -NoDefault
            $to = Connect-Redis -Endpoint $tlsTarget.Endpoint -Tls -CaCertificatePath $certs.Ca -Credential $carol -NoDefault

            $result = $from | Copy-RedisKey -Destination $to

            $result.Copied | Should -Be 40
            $ttl = [long](& redis-cli -p $tlsTarget.Port --tls --cacert $certs.Ca --user carol --pass carol-pw --no-auth-warning TTL tls:7)
            $ttl | Should -BeGreaterThan 0
            $ttl | Should -BeLessOrEqual 600
        }
        finally {
            Stop-TestRedis $tlsTarget
            Remove-Item $certs.Directory -Recurse -Force -ErrorAction SilentlyContinue
        }
    }

    It 'moves with -Delete -Force, leaving the source empty' {
        1..50 | ForEach-Object { "SET move:$_ v" } | & redis-cli -p $source.Port | Out-Null
        $result = Copy-RedisKey -SourceEndpoint $source.Endpoint -DestinationEndpoint $cluster.Seed -Delete -Force
        $result.Copied | Should -Be 50
        $result.Deleted | Should -Be 50
        Invoke-Cli $source DBSIZE | Should -Be '0'
    }

    It 'sends nothing under -WhatIf and says what it would do' {
        1..10 | ForEach-Object { "SET what:$_ v" } | & redis-cli -p $source.Port | Out-Null
        $before = Get-ConnectionCount $source
        # "What if:" goes straight to the host: a transcript is where a script can read it.
        $transcript = Join-Path ([System.IO.Path]::GetTempPath()) "rc-pester-whatif-$PID-$(Get-Random).txt"
        Start-Transcript -Path $transcript | Out-Null
        try { $result = Copy-RedisKey -SourceEndpoint $source.Endpoint -DestinationEndpoint $target.Endpoint -Delete -Pattern 'what:*' -WhatIf }
        finally { Stop-Transcript | Out-Null }
        $out = Get-Content $transcript -Raw
        Remove-Item $transcript
        $result | Should -BeNullOrEmpty
        $out | Should -Match ([regex]::Escape("What if: Performing the operation ""Move keys matching 'what:*' to $($target.Endpoint) (each key is deleted from the source once it is copied)"" on target ""$($source.Endpoint)"""))
        # Only the redis-cli call that reads the count connected since.
        Get-ConnectionCount $source | Should -Be ($before + 1)
        Invoke-Cli $target DBSIZE | Should -Be '0'
        Invoke-Cli $source DBSIZE | Should -Be '10'

        $from = Connect-Redis -Endpoint $source.Endpoint -NoDefault
        $to = Connect-Redis -Endpoint $target.Endpoint -NoDefault
        Invoke-Cli $source @('CONFIG', 'RESETSTAT') | Out-Null
        Copy-RedisKey $from $to -WhatIf | Should -BeNullOrEmpty
        (Invoke-Cli $source @('INFO', 'commandstats')) -join "`n" | Should -Not -Match 'cmdstat_(scan|dump|info|dbsize)'
        Invoke-Cli $target DBSIZE | Should -Be '0'
    }

    It 'refuses a copy onto the same server with an InvalidArgument error' {
        Invoke-Cli $source @('SET', 'self', 'v') | Out-Null
        { Copy-RedisKey -SourceEndpoint "localhost:$($source.Port)" -DestinationEndpoint $source.Endpoint -ErrorAction Stop } |
            Should -Throw -ExpectedMessage "The source localhost:$($source.Port) and the destination $($source.Endpoint) are the same server*" -ErrorId 'RedisCopySameServer,*'
        try { Copy-RedisKey -SourceEndpoint $source.Endpoint -DestinationEndpoint $source.Endpoint -ErrorAction Stop } catch { $_.CategoryInfo.Category | Should -Be 'InvalidArgument' }
    }

    It 'rejects bad input at binding, before connecting' {
        $to = Connect-Redis -Endpoint $target.Endpoint -NoDefault
        { Copy-RedisKey -Destination $to -Type nope } | Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
        { Copy-RedisKey -Destination $to -BatchSize 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
        { Copy-RedisKey -Destination $to -SourceEndpoint $source.Endpoint } | Should -Throw -ErrorId 'AmbiguousParameterSet,*'
        { Copy-RedisKey -SourceEndpoint '127.0.0.1:notaport' -DestinationEndpoint $target.Endpoint -ErrorAction Stop } |
            Should -Throw -ExpectedMessage "Endpoint '127.0.0.1:notaport' has an invalid port*" -ErrorId 'RedisInvalidConfiguration,*'
        { Copy-RedisKey -Destination $to -Destnation $to } | Should -Throw -ErrorId 'NamedParameterNotFound,*'
    }
}
