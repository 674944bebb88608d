#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# The user-facing checks of tests/Unit/Module/InvokeRedisCommandTests.cs, for machines with pwsh.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../out/RedisCluster/RedisCluster.psd1') -Force
    Import-Module (Join-Path $PSScriptRoot 'TestServer.psm1') -Force
    $script:server = Start-TestRedis -ExtraConfig @('user alice on >alice-S3cret! ~* &* +@all')
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
        Invoke-RedisCommand DEL pester:list, pester:h | Out-Null
        Invoke-RedisCommand RPUSH pester:list a b c | Should -Be 3
        (Invoke-RedisCommand LLEN pester:list).GetType() | Should -Be ([long])
        Invoke-RedisCommand GET pester:missing | Should -BeNullOrEmpty
        Invoke-RedisCommand HSET pester:h f1 v1 | Out-Null
        (Invoke-RedisCommand HGETALL pester:h)['f1'] | Should -Be 'v1'
    }

    It 'pipes 10,000 commands and keeps their order' {
        Invoke-RedisCommand DEL pester:pipe | Out-Null
        $replies = 1..10000 | ForEach-Object { "RPUSH pester:pipe $_" } | Invoke-RedisCommand
        $replies.Count | Should -Be 10000
        $replies[-1] | Should -Be 10000
        (Invoke-RedisCommand LRANGE pester:pipe 0 -1)[9999] | Should -Be '10000'
    }

    It 'writes error replies as non-terminating errors' {
        Invoke-RedisCommand DEL pester:wt | Out-Null
        Invoke-RedisCommand RPUSH pester:wt a | Out-Null
        $out = Invoke-RedisCommand GET pester:wt -ErrorVariable err -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $err[0].CategoryInfo.Category | Should -Be 'InvalidType'
        $err[0].FullyQualifiedErrorId | Should -BeLike 'RedisServerError.WRONGTYPE*'
    }

    It 'returns bytes with -AsBytes' {
        Invoke-RedisCommand -Command @('SET', 'pester:b', [byte[]](0, 255, 13, 10)) | Out-Null
        $b = Invoke-RedisCommand GET pester:b -AsBytes
        $b.GetType() | Should -Be ([byte[]])
        $b.Length | Should -Be 4
    }

    It 'emits detailed replies' {
        $r = Invoke-RedisCommand PING -Detailed
        $r.Value | Should -Be 'PONG'
        $r.Endpoint | Should -Be $server.Endpoint
    }

    It 'authenticates an ACL user and hides a wrong password' {
        $good = [pscredential]::new('alice', (ConvertTo-SecureString 'alice-S3cret!' -AsPlainText -Force))
        Invoke-RedisCommand 'ACL WHOAMI' -Endpoint $server.Endpoint -Credential $good | Should -Be 'alice'
        $bad = [pscredential]::new('alice', (ConvertTo-SecureString 'Wrong-Pa55' -AsPlainText -Force))
        { Invoke-RedisCommand PING -Endpoint $server.Endpoint -Credential $bad } | Should -Throw -ExpectedMessage '*password is wrong*'
        try { Invoke-RedisCommand PING -Endpoint $server.Endpoint -Credential $bad } catch { $_ | Out-String | Should -Not -Match 'Wrong-Pa55' }
    }

    It 'lists its cmdlets' {
        (Get-Command -Module RedisCluster).Name | Should -Contain 'Invoke-RedisCommand'
    }
}

Describe 'Invoke-RedisCommand over TLS' {
    BeforeAll {
        $script:certs = New-TestCertificates
        $script:tlsPort = Get-FreePort
        $script:tlsServer = Start-TestRedis -ExtraConfig @(
            "tls-port $tlsPort", "tls-cert-file $($certs.ServerCert)", "tls-key-file $($certs.ServerKey)",
            "tls-ca-cert-file $($certs.Ca)", 'tls-auth-clients optional')
        $script:tlsEndpoint = "127.0.0.1:$tlsPort"
    }

    AfterAll {
        Stop-TestRedis $tlsServer
        Remove-Item $certs.Directory -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'connects with the CA file' {
        Invoke-RedisCommand PING -Endpoint $tlsEndpoint -Tls -CaCertificatePath $certs.Ca | Should -Be 'PONG'
    }

    It 'connects with a client certificate' {
        Invoke-RedisCommand PING -Endpoint $tlsEndpoint -Tls -CaCertificatePath $certs.Ca -ClientCertificatePath $certs.ClientCert -ClientKeyPath $certs.ClientKey | Should -Be 'PONG'
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

    It 'refuses an untrusted certificate unless told to skip the check' {
        { Invoke-RedisCommand PING -Endpoint $tlsEndpoint -Tls } | Should -Throw -ExpectedMessage '*certificate*'
        Invoke-RedisCommand PING -Endpoint $tlsEndpoint -Tls -SkipCertificateCheck -WarningAction SilentlyContinue | Should -Be 'PONG'
    }
}
