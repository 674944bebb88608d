#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Owns Invoke-RedisCommand, Connect-Redis and Disconnect-Redis as a user drives them in pwsh against one server:
# parameter binding (strings, arrays, bytes, the default endpoint), pipeline input by value and by property name,
# the objects the replies become, error records as -ErrorVariable shows them, -WhatIf, connection state from one
# call to the next, and Get-Command. What goes on the wire, timeouts, TLS and ACL are the xunit tests' (tests/Unit).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../out/RedisCluster/RedisCluster.psd1') -Force
    Import-Module (Join-Path $PSScriptRoot 'TestServer.psm1') -Force
    $script:server = Start-TestRedis
    Connect-Redis -Endpoint $server.Endpoint | Out-Null
}

AfterAll {
    Disconnect-Redis
    Stop-TestRedis $server
}

Describe 'Invoke-RedisCommand' {
    It 'round-trips SET and GET' {
        Invoke-RedisCommand 'SET pester:k "hello world"' | Should -Be 'OK'
        Invoke-RedisCommand GET pester:k | Should -Be 'hello world'
    }

    It 'sends array arguments unparsed' {
        Invoke-RedisCommand -Command @('SET', 'pester:q', 'a "quoted" value') | Out-Null
        Invoke-RedisCommand GET pester:q | Should -Be 'a "quoted" value'
    }

    It 'maps replies to natural types' {
        Invoke-RedisCommand DEL pester:list, pester:h, pester:z | Out-Null
        Invoke-RedisCommand RPUSH pester:list a b c | Should -Be 3
        (Invoke-RedisCommand LLEN pester:list).GetType() | Should -Be ([long])
        @(Invoke-RedisCommand LRANGE pester:list 0 -1).Count | Should -Be 3
        Invoke-RedisCommand GET pester:missing | Should -BeNullOrEmpty
        Invoke-RedisCommand HSET pester:h f1 v1 f2 v2 | Out-Null
        $map = Invoke-RedisCommand HGETALL pester:h
        $map | Should -BeOfType ([System.Collections.Specialized.OrderedDictionary])
        $map['f1'] | Should -Be 'v1'
        $map['f2'] | Should -Be 'v2'
        Invoke-RedisCommand ZADD pester:z 1.5 m | Out-Null
        $score = Invoke-RedisCommand ZSCORE pester:z m
        $score | Should -BeOfType ([double])
        $score | Should -Be 1.5
    }

    It 'unrolls array replies into the pipeline unless -NoEnumerate' {
        Invoke-RedisCommand DEL pester:enum | Out-Null
        Invoke-RedisCommand RPUSH pester:enum x y | Out-Null
        @(Invoke-RedisCommand LRANGE pester:enum 0 -1 | ForEach-Object { $_ }).Count | Should -Be 2
        @(Invoke-RedisCommand LRANGE pester:enum 0 -1 -NoEnumerate | ForEach-Object { 'one' }).Count | Should -Be 1
    }

    It 'pipes 10,000 commands and keeps their order' {
        Invoke-RedisCommand DEL pester:pipe | Out-Null
        $replies = 1..10000 | ForEach-Object { "RPUSH pester:pipe $_" } | Invoke-RedisCommand
        $replies.Count | Should -Be 10000
        $outOfOrder = @(for ($i = 0; $i -lt $replies.Count; $i++) { if ($replies[$i] -ne $i + 1) { $i } })
        $outOfOrder | Should -BeNullOrEmpty -Because 'reply n of RPUSH is the list length n'
        $items = Invoke-RedisCommand LRANGE pester:pipe 0 -1
        $items[0] | Should -Be '1'
        $items[9999] | Should -Be '10000'
    }

    It 'takes objects with a Command property from the pipeline' {
        $replies = [pscustomobject]@{ Command = 'SET pester:objects v1' }, [pscustomobject]@{ Command = @('GET', 'pester:objects') } |
            Invoke-RedisCommand
        $replies | Should -Be @('OK', 'v1')
    }

    It 'writes error replies as non-terminating errors and goes on' {
        Invoke-RedisCommand DEL pester:wt | Out-Null
        Invoke-RedisCommand RPUSH pester:wt a | Out-Null
        $out = 'GET pester:wt', 'PING' | Invoke-RedisCommand -ErrorVariable err -ErrorAction SilentlyContinue
        $out | Should -Be 'PONG'
        $err.Count | Should -Be 1
        $err[0].CategoryInfo.Category | Should -Be 'InvalidType'
        $err[0].FullyQualifiedErrorId | Should -BeLike 'RedisServerError.WRONGTYPE*'
        $err[0].Exception.Message | Should -BeLike '*WRONGTYPE*'
        "$($err[0].TargetObject)" | Should -BeLike '*GET pester:wt*'
    }

    It 'reports unbalanced quotes as an invalid argument of that item only' {
        $out = 'PING', 'SET k "unterminated', 'ECHO after' | Invoke-RedisCommand -ErrorVariable err -ErrorAction SilentlyContinue
        $out | Should -Be @('PONG', 'after')
        $err.Count | Should -Be 1
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
    }

    It 'returns bytes with -AsBytes' {
        Invoke-RedisCommand -Command @('SET', 'pester:b', [byte[]](0, 255, 13, 10, 128)) | Out-Null
        $b = Invoke-RedisCommand GET pester:b -AsBytes
        $b.GetType() | Should -Be ([byte[]])
        $b.Length | Should -Be 5
        $b[1] | Should -Be 255
    }

    It 'emits detailed replies' {
        $r = Invoke-RedisCommand SET pester:detailed v -Detailed
        $r.Value | Should -Be 'OK'
        $r.Type | Should -Be 'SimpleString'
        $r.Endpoint | Should -Be $server.Endpoint
        $r.Command | Should -Be 'SET pester:detailed v'
        $r.Elapsed | Should -BeGreaterOrEqual ([TimeSpan]::Zero)
    }

    It 'sends nothing under -WhatIf' {
        Invoke-RedisCommand SET pester:whatif alive | Out-Null
        Invoke-RedisCommand DEL pester:whatif -WhatIf
        Invoke-RedisCommand GET pester:whatif | Should -Be 'alive'
    }

    It 'keeps the connection state from one call to the next' {
        Invoke-RedisCommand SELECT 3 | Out-Null
        Invoke-RedisCommand SET pester:select in-db-3 | Out-Null
        Invoke-RedisCommand GET pester:select | Should -Be 'in-db-3'
        Invoke-RedisCommand SELECT 0 | Out-Null
        Invoke-RedisCommand GET pester:select | Should -BeNullOrEmpty
        Invoke-RedisCommand DEL pester:n | Out-Null
        Invoke-RedisCommand MULTI | Should -Be 'OK'
        Invoke-RedisCommand INCR pester:n | Should -Be 'QUEUED'
        Invoke-RedisCommand EXEC | Should -Be 1
    }

    It 'uses a connection piped in, with its settings' {
        $c = Connect-Redis -Endpoint $server.Endpoint -Database 2 -NoDefault
        try {
            $c | Invoke-RedisCommand SET pester:piped 2 | Out-Null
            $c | Invoke-RedisCommand GET pester:piped | Should -Be '2'
            Invoke-RedisCommand GET pester:piped | Should -BeNullOrEmpty -Because 'the default connection is on database 0'
            'PING', 'ECHO still-commands' | Invoke-RedisCommand | Should -Be @('PONG', 'still-commands')
        }
        finally { $c.Dispose() }
    }

    It 'lists its cmdlets' {
        $names = (Get-Command -Module RedisCluster).Name
        $names | Should -Contain 'Connect-Redis'
        $names | Should -Contain 'Disconnect-Redis'
        $names | Should -Contain 'Invoke-RedisCommand'
    }
}

Describe 'Disconnect-Redis' {
    It 'closes the default connection' {
        $c = Connect-Redis -Endpoint $server.Endpoint
        Disconnect-Redis
        $c.IsDisposed | Should -BeTrue
        Connect-Redis -Endpoint $server.Endpoint | Out-Null
    }
}

Describe 'Invoke-RedisCommand without a connection' {
    BeforeAll {
        # The first thing a new user types: no Connect-Redis, no -Endpoint, a server on localhost:6379.
        Disconnect-Redis
        if (Test-PortListening 6379) { throw 'Port 6379 on 127.0.0.1 is taken, so this spec cannot start its own server there.' }
        $script:defaultServer = Start-TestRedis -Port 6379
    }

    AfterAll {
        Stop-TestRedis $defaultServer
        Connect-Redis -Endpoint $server.Endpoint | Out-Null
    }

    It 'talks to 127.0.0.1:6379' {
        Invoke-RedisCommand 'SET k v' | Should -Be 'OK'
        Invoke-RedisCommand GET k | Should -Be 'v'
        Invoke-RedisCommand 'INFO server' | Should -Match 'tcp_port:6379'
    }
}

Describe 'Certificate check warnings' {
    # -SkipCertificateCheck works (the TLS handshake is the xunit tests'); the user is told, once per connection.
    BeforeAll {
        $script:certs = New-TestCertificates
        $script:tlsServer = Start-TestRedis -Certificates $certs
        $script:tlsEndpoint = $tlsServer.Endpoint
    }

    AfterAll {
        Stop-TestRedis $tlsServer
        Remove-Item $certs.Directory -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'warns once per connection object that skips the certificate check' {
        $expected = "Certificate verification is disabled for $tlsEndpoint (-SkipCertificateCheck)*not authenticated*"
        Invoke-RedisCommand PING -Endpoint $tlsEndpoint -SkipCertificateCheck -WarningVariable w -WarningAction SilentlyContinue | Should -Be 'PONG'
        $w.Count | Should -Be 1
        "$($w[0])" | Should -BeLike $expected

        $c = Connect-Redis -Endpoint $tlsEndpoint -Tls -SkipCertificateCheck -NoDefault -WarningVariable w -WarningAction SilentlyContinue
        $w.Count | Should -Be 1
        "$($w[0])" | Should -BeLike $expected
        # The connection object warned once; using it again does not.
        1..3 | ForEach-Object { Invoke-RedisCommand PING -Connection $c -WarningVariable +again -WarningAction SilentlyContinue } | Should -Be @('PONG', 'PONG', 'PONG')
        $again.Count | Should -Be 0
        Disconnect-Redis -Connection $c

        Invoke-RedisCommand PING -Endpoint $tlsEndpoint -Tls -CaCertificatePath $certs.Ca -WarningVariable checked | Should -Be 'PONG'
        $checked.Count | Should -Be 0

        $r = Start-RedisFill -Endpoint $tlsEndpoint -SkipCertificateCheck -SizeMB 1 -Force -WarningVariable w -WarningAction SilentlyContinue
        $r.Keys | Should -BeGreaterThan 0
        @($w | Where-Object { "$_" -like $expected }).Count | Should -Be 1

        $t = Start-RedisTunnel -Endpoint $tlsEndpoint -SkipCertificateCheck -ListenPort 0 -PassThru -WarningVariable w -WarningAction SilentlyContinue
        try {
            $w.Count | Should -Be 1
            "$($w[0])" | Should -BeLike $expected
            $t.SkipCertificateCheck | Should -BeTrue
        } finally { $t | Stop-RedisTunnel }

        $c = Connect-Redis -Endpoint $tlsEndpoint -Tls -SkipCertificateCheck -NoDefault -WarningAction SilentlyContinue
        $t = Start-RedisTunnel -Connection $c -ListenPort 0 -PassThru -WarningVariable w -WarningAction SilentlyContinue
        try {
            $w.Count | Should -Be 1
            $t.SkipCertificateCheck | Should -BeTrue
        } finally { $t | Stop-RedisTunnel; Disconnect-Redis -Connection $c }

        $t = Start-RedisTunnel -Endpoint $tlsEndpoint -Tls -CaCertificatePath $certs.Ca -ListenPort 0 -PassThru
        try { $t.SkipCertificateCheck | Should -BeFalse } finally { $t | Stop-RedisTunnel }
    }

    It 'warns once when Enter-RedisCli opens a connection that skips the certificate check' {
        $module = Join-Path $PSScriptRoot '../../out/RedisCluster/RedisCluster.psd1'
        # The same pwsh as this one (under `dotnet pwsh` that is dotnet with pwsh.dll).
        $pwsh = [Environment]::ProcessPath
        [string[]] $pre = if ([IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' } else { @() }
        $out = "PING`nquit`n" | & $pwsh @pre -NoProfile -Command "Import-Module '$module'; Enter-RedisCli -Endpoint $tlsEndpoint -SkipCertificateCheck 3>&1" 2>&1 | Out-String
        $out | Should -Match 'PONG'
        ([regex]::Matches($out, 'Certificate verification is disabled')).Count | Should -Be 1
    }
}
