#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Owns Start-, Get- and Stop-RedisTunnel as a user drives them in pwsh: what -PassThru returns, listing by
# name, wildcard and id, stopping by name, by object and by Remove-Module, a connection piped in, -Mode and
# -PortOffset reaching the tunnel, and the errors and warnings as -ErrorVariable and -WarningVariable show them.
# What the tunnels do on the wire (relaying, AUTH/HELLO, garbage, topology and MOVED rewriting, smart routing,
# WATCH), wrong credentials, Smart mode on a standalone server and Ctrl+C are the xunit tests' (tests/Unit/Tunnel).
# Needs redis-server, redis-cli and openssl; everything runs on 127.0.0.1 and is stopped by process id.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../out/RedisCluster/RedisCluster.psd1') -Force
    Import-Module (Join-Path $PSScriptRoot 'TestServer.psm1') -Force

    function Test-PortClosed([int] $Port) { -not (Test-PortListening $Port) }

    $script:certs = New-TestCertificates
    $script:ca = $certs.Ca
    $script:password = 'alice-S3cret!'
    $script:cred = [pscredential]::new('alice', (ConvertTo-SecureString $password -AsPlainText -Force))
    $script:tlsServer = Start-TestRedis -Certificates $certs -ExtraConfig @("user alice on >$password ~* &* +@all")
    $script:upstream = $tlsServer.Endpoint
}

AfterAll {
    Get-RedisTunnel | Stop-RedisTunnel
    Stop-TestRedis $tlsServer
    Remove-Item $certs.Directory -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Start-RedisTunnel in standalone mode over TLS with ACL auth' {
    BeforeAll {
        $script:port = Get-FreeListenerPort
        $script:tunnel = Start-RedisTunnel -Endpoint $upstream -Tls -CaCertificatePath $ca -Credential $cred -ListenPort $port -Name pester -PassThru
    }

    AfterAll {
        $tunnel | Stop-RedisTunnel
    }

    It 'returns a running standalone tunnel at once' {
        $tunnel.Mode | Should -Be 'Standalone'
        $tunnel.State | Should -Be 'Running'
        $tunnel.Listeners[0].LocalEndpoint | Should -Be "127.0.0.1:$port"
    }

    It 'is listed by Get-RedisTunnel by name, wildcard and id, with its statistics' {
        redis-cli -p $port PING | Out-Null
        (Get-RedisTunnel pest*).Id | Should -Be $tunnel.Id
        (Get-RedisTunnel -Id $tunnel.Id).Name | Should -Be 'pester'
        (Get-RedisTunnel -Id $tunnel.Id).Statistics.CommandsRelayed | Should -BeGreaterThan 0
    }
}

Describe 'Start-RedisTunnel errors and warnings' {
    It 'refuses a local port that is taken, with a clear message' {
        $blocker = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $blocker.Start()
        try {
            $taken = $blocker.LocalEndpoint.Port
            $err = $null
            try { Start-RedisTunnel -Endpoint $upstream -Tls -CaCertificatePath $ca -Credential $cred -ListenPort $taken -PassThru } catch { $err = $_ }
            $err | Should -Not -BeNullOrEmpty -Because 'a taken port ends the command'
            $err.CategoryInfo.Category | Should -Be 'ResourceUnavailable'
            $err.FullyQualifiedErrorId | Should -BeLike 'RedisTunnelPortInUse*'
            $err.Exception.Message | Should -BeLike "*127.0.0.1:$taken *already in use*"
            $err.Exception.Message | Should -BeLike '*-ListenPort*'
            @(Get-RedisTunnel | Where-Object { $_.Listeners.LocalPort -contains $taken }) | Should -BeNullOrEmpty
        }
        finally { $blocker.Stop() }
    }

    It 'warns when it listens on a non-loopback address' {
        $t = Start-RedisTunnel -Endpoint $upstream -Tls -CaCertificatePath $ca -Credential $cred -ListenAddress 0.0.0.0 -ListenPort (Get-FreeListenerPort) -PassThru -WarningVariable warnings -WarningAction SilentlyContinue
        try {
            $warnings.Count | Should -Be 1
            $warnings[0] | Should -BeLike '*0.0.0.0*not on a loopback address*'
            "$warnings" | Should -Not -BeLike "*$password*"
        }
        finally { $t | Stop-RedisTunnel }
    }
}

Describe 'Start-RedisTunnel with a connection piped in' {
    It 'takes the endpoint, TLS settings and credential from the connection' {
        $p = Get-FreeListenerPort
        $c = Connect-Redis -Endpoint $upstream -Tls -CaCertificatePath $ca -Credential $cred -NoDefault
        try {
            $t = $c | Start-RedisTunnel -ListenPort $p -PassThru
            try {
                $t.User | Should -Be 'alice'
                $t.Tls | Should -BeTrue
                Invoke-RedisCommand -Endpoint "127.0.0.1:$p" ACL WHOAMI | Should -Be 'alice'
            }
            finally { $t | Stop-RedisTunnel }
        }
        finally { $c.Dispose() }
    }
}

Describe 'Start-RedisTunnel -ClientCredential and -DenyCommand' {
    BeforeAll {
        $script:localCred = [pscredential]::new('app', (ConvertTo-SecureString 'Local-Pester-Pw1' -AsPlainText -Force))
        $script:guarded = Start-RedisTunnel -Endpoint $upstream -Tls -CaCertificatePath $ca -Credential $cred -ListenPort 0 -PassThru `
            -ClientCredential $localCred -DenyCommand '@admin', 'client kill' -Verbose 4>&1 | Where-Object { $_ -is [RedisCluster.Engine.Tunnel.RedisTunnel] }
        $script:guardedPort = $guarded.Listeners[0].LocalPort
    }

    AfterAll {
        $guarded | Stop-RedisTunnel
    }

    It 'shows its access rules on the tunnel object' {
        $guarded.ClientAuthentication | Should -BeTrue
        $guarded.DeniedCommands | Should -Be @('@admin', 'client kill')
    }

    It 'requires the local password from redis-cli and refuses a wrong one' {
        (redis-cli -p $guardedPort GET pester:guarded)[0] | Should -Be 'NOAUTH Authentication required.'
        # redis-cli reports the failed AUTH on stderr and still sends the command, which then gets NOAUTH.
        $out = (redis-cli -p $guardedPort --user app --pass wrong --no-auth-warning GET pester:guarded 2>&1) -join ' '
        $out | Should -Match 'WRONGPASS invalid username-password pair'
        $out | Should -Match 'NOAUTH Authentication required'
        redis-cli -p $guardedPort --user app --pass 'Local-Pester-Pw1' --no-auth-warning SET pester:guarded ok | Should -Be 'OK'
        redis-cli -p $guardedPort -a 'Local-Pester-Pw1' --no-auth-warning GET pester:guarded | Should -Be 'ok'
    }

    It 'refuses denied commands like a Redis ACL' {
        (redis-cli -p $guardedPort -a 'Local-Pester-Pw1' --no-auth-warning CONFIG GET requirepass)[0] | Should -Be "NOPERM this user has no permissions to run the 'config|get' command"
        (redis-cli -p $guardedPort -a 'Local-Pester-Pw1' --no-auth-warning CLIENT KILL ID 1)[0] | Should -Be "NOPERM this user has no permissions to run the 'client|kill' command"
        redis-cli -p $guardedPort -a 'Local-Pester-Pw1' --no-auth-warning ACL WHOAMI | Should -Be 'alice'
    }

    It 'rejects an unknown category at start with a clear error' {
        $err = $null
        try { Start-RedisTunnel -Endpoint $upstream -Tls -CaCertificatePath $ca -Credential $cred -ListenPort 0 -PassThru -DenyCommand '@nosuch' } catch { $err = $_ }
        "$err" | Should -BeLike '*@nosuch*ACL category*'
        $err.CategoryInfo.Category | Should -Not -Be 'NotSpecified'
    }

    It 'never shows the local password' {
        $out = Start-RedisTunnel -Endpoint $upstream -Tls -CaCertificatePath $ca -Credential $cred -ListenPort 0 -PassThru -ClientCredential $localCred -Verbose -Debug *>&1
        $t = $out | Where-Object { $_ -is [RedisCluster.Engine.Tunnel.RedisTunnel] }
        try { ($out | Out-String) + ($t | Format-List * | Out-String) | Should -Not -Match 'Local-Pester-Pw1' } finally { $t | Stop-RedisTunnel }
    }
}

Describe 'Stop-RedisTunnel' {
    It 'closes the listener and removes the tunnel from the list' {
        $p = Get-FreeListenerPort
        $t = Start-RedisTunnel -Endpoint $upstream -Tls -CaCertificatePath $ca -Credential $cred -ListenPort $p -Name to-stop -PassThru
        redis-cli -p $p PING | Should -Be 'PONG'
        $stopped = Stop-RedisTunnel -Name to-stop -PassThru
        $stopped.State | Should -Be 'Stopped'
        $stopped.Statistics.CommandsRelayed | Should -Be 1
        Test-PortClosed $p | Should -BeTrue
        Get-RedisTunnel -Name to-stop -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'reports a name that matches no tunnel as a non-terminating error' {
        $after = . { Stop-RedisTunnel -Name no-such-tunnel -ErrorVariable e -ErrorAction SilentlyContinue; 'after' }
        $e[0].FullyQualifiedErrorId | Should -Be 'RedisTunnelNotFound,RedisCluster.PowerShell.Commands.StopRedisTunnelCommand'
        $after | Should -Be 'after'
    }

    It 'never lists a stopped or disposed tunnel again' {
        # The registry used to drop a tunnel in a continuation of its Completion, on the thread pool, so a
        # Get-RedisTunnel right after the stop could still list it. Many rounds make that race show up.
        $seen = 0
        foreach ($i in 1..50) {
            $t = Start-RedisTunnel -Endpoint $upstream -Tls -CaCertificatePath $ca -Credential $cred -ListenPort 0 -PassThru
            Stop-RedisTunnel -Tunnel $t
            $seen += @(Get-RedisTunnel -Id $t.Id -ErrorAction SilentlyContinue).Count
            $d = Start-RedisTunnel -Endpoint $upstream -Tls -CaCertificatePath $ca -Credential $cred -ListenPort 0 -PassThru
            $d.Dispose()
            $seen += @(Get-RedisTunnel -Id $d.Id -ErrorAction SilentlyContinue).Count
        }
        $seen | Should -Be 0
    }

    It 'stops the tunnels of a module that is removed' {
        # In a pwsh of its own: removing the module here would take it from the specs that follow.
        $p = Get-FreeListenerPort
        $pwsh = [Environment]::ProcessPath
        # Under `dotnet pwsh` the process is dotnet, which runs pwsh.dll.
        $pwshArguments = @(if ([System.IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' })
        $manifest = (Resolve-Path (Join-Path $PSScriptRoot '../../out/RedisCluster/RedisCluster.psd1')).Path -replace "'", "''"
        $command = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$manifest'
`$t = Start-RedisTunnel -Endpoint $upstream -Tls -CaCertificatePath '$ca' -ListenPort $p -PassThru
'listening: ' + [bool](Invoke-RedisCommand -Endpoint 127.0.0.1:$p PING)
Remove-Module RedisCluster
'state: ' + `$t.State
Import-Module '$manifest'
'listed: ' + @(Get-RedisTunnel).Count
"@
        $screen = (& $pwsh @pwshArguments -NoProfile -NonInteractive -Command $command 2>&1 | ForEach-Object { "$_" }) -join "`n"
        $screen | Should -Match '(?m)^listening: True$'
        $screen | Should -Match '(?m)^state: Stopped$'
        $screen | Should -Match '(?m)^listed: 0$'
        Test-PortClosed $p | Should -BeTrue
    }
}

Describe 'Start-RedisTunnel -Mode Pinned -PortOffset over a TLS 3x1 cluster' {
    BeforeAll {
        $script:tlsCluster = Start-TestRedisCluster -Certificates $certs -User alice -Password $password
        $script:nodePorts = $tlsCluster.Nodes | ForEach-Object Port
        # Each node's local listener is its port plus the offset: all of them free, below the ephemeral range.
        $script:offset = Get-FreePortOffset $nodePorts
        $script:cluster = Start-RedisTunnel -Endpoint "127.0.0.1:$($nodePorts[0])" -Mode Pinned -Tls -CaCertificatePath $ca -Credential $cred -PortOffset $offset -TopologyRefreshInterval 1 -PassThru
        $script:localPorts = $nodePorts | ForEach-Object { $_ + $offset }
    }

    AfterAll {
        if ($cluster) { $cluster | Stop-RedisTunnel }
        Stop-TestRedisCluster $tlsCluster
    }

    It 'opens one listener per node at its port plus the offset' {
        $cluster.Mode | Should -Be 'Pinned'
        $cluster.Listeners.Count | Should -Be 6
        ($cluster.Listeners.LocalPort | Sort-Object) | Should -Be ($localPorts | Sort-Object)
    }
}
