#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# The user-facing checks of tests/Unit/Tunnel (StandaloneTunnelTests, PinnedTunnelTests, TunnelCmdletTests),
# for machines with pwsh. Needs redis-server, redis-cli, redis-benchmark and openssl; everything runs on
# 127.0.0.1 and is stopped by process id.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../out/RedisCluster/RedisCluster.psd1') -Force

    function Get-FreePort {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()
        try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
    }

    function Wait-Port([int] $Port) {
        $deadline = [DateTime]::UtcNow.AddSeconds(15)
        while ([DateTime]::UtcNow -lt $deadline) {
            try { ([System.Net.Sockets.TcpClient]::new('127.0.0.1', $Port)).Dispose(); return } catch { Start-Sleep -Milliseconds 100 }
        }
        throw "nothing listens on port $Port"
    }

    function Test-PortClosed([int] $Port) {
        try { ([System.Net.Sockets.TcpClient]::new('127.0.0.1', $Port)).Dispose(); $false } catch { $true }
    }

    # Raw RESP on one connection, the way an application keeps WATCH and MULTI state on its connection
    # (each redis-cli run is a connection of its own). Enough of the protocol for the replies used here:
    # nil is '(nil)', a nil array '(nil array)', an error '(error) <message>'.
    function Read-RespReply([System.IO.StreamReader] $Reader) {
        $line = $Reader.ReadLine()
        $rest = $line.Substring(1)
        switch ($line.Substring(0, 1)) {
            '*' {
                if ([int]$rest -lt 0) { return '(nil array)' }
                $items = @(for ($i = 0; $i -lt [int]$rest; $i++) { Read-RespReply $Reader })
                return ,$items
            }
            '$' {
                if ([int]$rest -lt 0) { return '(nil)' }
                return $Reader.ReadLine()
            }
            '-' { return "(error) $rest" }
            default { return $rest }
        }
    }

    function Invoke-RespCommand([System.Net.Sockets.TcpClient] $Client, [System.IO.StreamReader] $Reader, [string[]] $Command) {
        $text = [System.Text.StringBuilder]::new("*$($Command.Count)`r`n")
        foreach ($arg in $Command) {
            [void]$text.Append('$').Append([System.Text.Encoding]::UTF8.GetByteCount($arg)).Append("`r`n").Append($arg).Append("`r`n")
        }
        $bytes = [System.Text.Encoding]::UTF8.GetBytes($text.ToString())
        $Client.GetStream().Write($bytes, 0, $bytes.Length)
        Read-RespReply $Reader
    }

    # A CA and a server certificate for 127.0.0.1 with serverAuth and clientAuth (cluster nodes present
    # it as a client certificate on the bus).
    $script:dir = Join-Path ([System.IO.Path]::GetTempPath()) "rc-pester-tunnel-$PID"
    New-Item -ItemType Directory -Path $dir -Force | Out-Null
    $ext = Join-Path $dir 'server.ext'
    Set-Content $ext "subjectAltName = DNS:localhost, IP:127.0.0.1`nextendedKeyUsage = serverAuth, clientAuth"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=pester-ca' -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>$null
    openssl req -newkey rsa:2048 -nodes -subj '/CN=localhost' -keyout "$dir/server.key" -out "$dir/server.csr" 2>$null
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days 2 -extfile $ext -out "$dir/server.crt" 2>$null
    $script:ca = "$dir/ca.crt"
    $script:password = 'alice-S3cret!'
    $script:cred = [pscredential]::new('alice', (ConvertTo-SecureString $password -AsPlainText -Force))
    $script:processes = [System.Collections.Generic.List[System.Diagnostics.Process]]::new()

    function Start-TlsRedis([int] $TlsPort, [string[]] $Extra = @()) {
        $nodeDir = Join-Path $dir "node-$TlsPort"
        New-Item -ItemType Directory -Path $nodeDir -Force | Out-Null
        $conf = @(
            'bind 127.0.0.1', 'port 0', "tls-port $TlsPort", "tls-cert-file $dir/server.crt", "tls-key-file $dir/server.key",
            "tls-ca-cert-file $dir/ca.crt", 'tls-auth-clients no', 'save ""', 'appendonly no', "dir $nodeDir",
            "logfile $nodeDir/redis.log", 'repl-diskless-sync-delay 0', "user alice on >$password ~* &* +@all"
        ) + $Extra
        Set-Content "$nodeDir/redis.conf" $conf
        $process = Start-Process -FilePath (Get-Command redis-server).Source -ArgumentList "$nodeDir/redis.conf" -PassThru
        $processes.Add($process)
        Wait-Port $TlsPort
    }

    $script:tlsPort = Get-FreePort
    Start-TlsRedis $tlsPort
    $script:upstream = "127.0.0.1:$tlsPort"
}

AfterAll {
    Get-RedisTunnel | Stop-RedisTunnel
    foreach ($p in $processes) { Stop-Process -Id $p.Id -Force -ErrorAction SilentlyContinue }
    Remove-Item $dir -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Start-RedisTunnel in standalone mode over TLS with ACL auth' {
    BeforeAll {
        $script:port = Get-FreePort
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

    It 'relays a plain client that sends no credentials' {
        redis-cli -p $port SET pester:tunnel 'through the tunnel' | Should -Be 'OK'
        redis-cli -p $port GET pester:tunnel | Should -Be 'through the tunnel'
        redis-cli -p $port ACL WHOAMI | Should -Be 'alice'
    }

    It 'answers a client AUTH without breaking the session' {
        redis-cli -p $port --user mallory --pass guess --no-auth-warning ACL WHOAMI | Should -Be 'alice'
    }

    It 'serves many pipelining clients' {
        redis-benchmark -p $port -c 50 -n 20000 -P 16 -t set,get -q | Out-Null
        $LASTEXITCODE | Should -Be 0
        (Get-RedisTunnel -Name pester).Statistics.CommandsRelayed | Should -BeGreaterThan 40000
    }

    It 'disconnects a client that sends garbage and keeps serving the others' {
        $client = [System.Net.Sockets.TcpClient]::new('127.0.0.1', $port)
        try {
            $stream = $client.GetStream()
            $garbage = [byte[]](0x16, 0x03, 0x01, 0x20, 0x0d, 0x0a)
            $stream.Write($garbage, 0, $garbage.Length)
            $reader = [System.IO.StreamReader]::new($stream)
            $reader.ReadLine() | Should -BeLike '-ERR Protocol error*'
            $reader.ReadLine() | Should -BeNullOrEmpty
        }
        finally { $client.Dispose() }
        redis-cli -p $port PING | Should -Be 'PONG'
    }

    It 'is listed by Get-RedisTunnel' {
        (Get-RedisTunnel pest*).Id | Should -Be $tunnel.Id
        (Get-RedisTunnel -Id $tunnel.Id).Name | Should -Be 'pester'
    }
}

Describe 'Start-RedisTunnel errors and warnings' {
    It 'refuses a local port that is taken, with a clear message' {
        $blocker = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $blocker.Start()
        try {
            $taken = $blocker.LocalEndpoint.Port
            { Start-RedisTunnel -Endpoint $upstream -Tls -CaCertificatePath $ca -Credential $cred -ListenPort $taken -PassThru } |
                Should -Throw "*127.0.0.1:$taken*already in use*"
        }
        finally { $blocker.Stop() }
    }

    It 'fails at start on a wrong password without showing it' {
        $wrong = [pscredential]::new('alice', (ConvertTo-SecureString 'Not-The-Pa55' -AsPlainText -Force))
        $err = $null
        try { Start-RedisTunnel -Endpoint $upstream -Tls -CaCertificatePath $ca -Credential $wrong -ListenPort (Get-FreePort) -PassThru } catch { $err = $_ }
        $err.CategoryInfo.Category | Should -Be 'AuthenticationError'
        "$err" | Should -Not -BeLike '*Not-The-Pa55*'
    }

    It 'warns when it listens on a non-loopback address' {
        $t = Start-RedisTunnel -Endpoint $upstream -Tls -CaCertificatePath $ca -Credential $cred -ListenAddress 0.0.0.0 -ListenPort (Get-FreePort) -PassThru -WarningVariable warnings -WarningAction SilentlyContinue
        try { $warnings[0] | Should -BeLike '*not on a loopback address*' } finally { $t | Stop-RedisTunnel }
    }

    It 'refuses Smart mode for a standalone server' {
        { Start-RedisTunnel -Endpoint $upstream -Tls -CaCertificatePath $ca -Credential $cred -Mode Smart -ListenPort (Get-FreePort) -PassThru } | Should -Throw
    }
}

Describe 'Stop-RedisTunnel' {
    It 'closes the listener and removes the tunnel from the list' {
        $p = Get-FreePort
        $t = Start-RedisTunnel -Endpoint $upstream -Tls -CaCertificatePath $ca -Credential $cred -ListenPort $p -Name to-stop -PassThru
        redis-cli -p $p PING | Should -Be 'PONG'
        $stopped = Stop-RedisTunnel -Name to-stop -PassThru
        $stopped.State | Should -Be 'Stopped'
        $stopped.Statistics.CommandsRelayed | Should -Be 1
        Test-PortClosed $p | Should -BeTrue
        Get-RedisTunnel -Name to-stop -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'reports a name that matches no tunnel' {
        Stop-RedisTunnel -Name no-such-tunnel -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'RedisTunnelNotFound*'
    }
}

Describe 'Start-RedisTunnel in pinned mode over a TLS 3x1 cluster' {
    BeforeAll {
        # Cluster ports from 23000 up, bus ports 10000 higher, all below the ephemeral range.
        $base = Get-Random -Minimum 23000 -Maximum 28000
        $script:nodePorts = 0..5 | ForEach-Object { $base + $_ }
        foreach ($p in $nodePorts) {
            Start-TlsRedis $p @('cluster-enabled yes', 'cluster-config-file nodes.conf', 'cluster-node-timeout 3000', 'tls-cluster yes', 'tls-replication yes', 'masteruser alice', "masterauth $password")
        }
        $create = $nodePorts | ForEach-Object { "127.0.0.1:$_" }
        redis-cli --tls --cacert $ca --user alice --pass $password --no-auth-warning --cluster create @create --cluster-replicas 1 --cluster-yes | Out-Null
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        do {
            Start-Sleep -Milliseconds 200
            $ok = @($nodePorts | Where-Object { (redis-cli --tls --cacert $ca --user alice --pass $password --no-auth-warning -p $_ CLUSTER INFO) -match 'cluster_state:ok' }).Count
        } until ($ok -eq 6 -or [DateTime]::UtcNow -gt $deadline)
        # Local ports 20000 above the nodes': clear of the nodes and of their bus ports.
        $script:offset = 20000
        $script:cluster = Start-RedisTunnel -Endpoint "127.0.0.1:$($nodePorts[0])" -Mode Pinned -Tls -CaCertificatePath $ca -Credential $cred -PortOffset $offset -TopologyRefreshInterval 1 -PassThru
        $script:localPorts = $nodePorts | ForEach-Object { $_ + $offset }
    }

    AfterAll {
        $cluster | Stop-RedisTunnel
    }

    It 'opens one listener per node at its port plus the offset' {
        $cluster.Mode | Should -Be 'Pinned'
        $cluster.Listeners.Count | Should -Be 6
        ($cluster.Listeners.LocalPort | Sort-Object) | Should -Be $localPorts
    }

    It 'lets redis-cli -c reach keys on every node' {
        foreach ($i in 1..30) {
            redis-cli -c -p $localPorts[0] SET "pester:pinned:$i" "v$i" | Should -Be 'OK'
        }
        foreach ($i in 1..30) {
            redis-cli -c -p $localPorts[1] GET "pester:pinned:$i" | Should -Be "v$i"
        }
    }

    It 'shows only 127.0.0.1 and local ports in the topology' {
        $nodes = redis-cli -p $localPorts[0] CLUSTER NODES
        foreach ($line in $nodes) {
            $address = ($line -split ' ')[1] -replace '@.*$'
            $address | Should -BeLike '127.0.0.1:*'
            [int]($address -split ':')[1] | Should -BeIn $localPorts
        }
        $slots = redis-cli -p $localPorts[0] CLUSTER SLOTS
        $slots | Where-Object { $_ -match '^\d+$' -and [int]$_ -in $nodePorts } | Should -BeNullOrEmpty
    }

    It 'rewrites MOVED replies to the local listener' {
        # The first key that node 0 does not own answers MOVED (redis-cli without -c prints it as is).
        $moved = $null
        foreach ($i in 1..200) {
            $reply = redis-cli -p $localPorts[0] GET "pester:pinned:probe:$i"
            # redis-cli ends an error reply with a blank line, which "$reply" would join on as a trailing space.
            if ("$reply" -like 'MOVED*') { $moved = "$reply".Trim(); break }
        }
        $moved | Should -Not -BeNullOrEmpty
        ($moved -split ' ')[-1] | Should -BeLike '127.0.0.1:*'
        [int](($moved -split ':')[-1]) | Should -BeIn $localPorts
    }

    Context 'smart mode (the default for a cluster)' {
        BeforeAll {
            $script:smartPort = Get-FreePort
            $script:smart = Start-RedisTunnel -Endpoint "127.0.0.1:$($nodePorts[0])" -Tls -CaCertificatePath $ca -Credential $cred -ListenPort $smartPort -PassThru
        }

        AfterAll {
            $smart | Stop-RedisTunnel
        }

        It 'is one standalone-looking server on one listener' {
            $smart.Mode | Should -Be 'Smart'
            $smart.Listeners.Count | Should -Be 1
            (redis-cli -p $smartPort INFO server) -match 'redis_mode:standalone' | Should -Not -BeNullOrEmpty
            redis-cli -p $smartPort CLUSTER INFO | Should -BeLike '*CLUSTER commands are not available*'
        }

        It 'lets a cluster-unaware client use keys on every node' {
            foreach ($i in 1..30) { redis-cli -p $smartPort SET "pester:smart:$i" "v$i" | Should -Be 'OK' }
            $values = redis-cli -p $smartPort MGET (1..30 | ForEach-Object { "pester:smart:$_" })
            $values[29] | Should -Be 'v30'
            [int](redis-cli -p $smartPort DBSIZE) | Should -BeGreaterOrEqual 30
        }

        It 'passes single-slot replies through as the server wrote them (doubles keep Redis''s digits)' {
            redis-cli -p $smartPort DEL 'pester:smart:zset' | Out-Null
            redis-cli -p $smartPort ZINCRBY 'pester:smart:zset' 1.1 member | Should -Be '1.1000000000000001'
            redis-cli -p $smartPort ZSCORE 'pester:smart:zset' member | Should -Be '1.1000000000000001'
        }

        It 'runs WATCH ... EXEC like one server: EXEC answers nil after another client changed the watched key' {
            $tcp = [System.Net.Sockets.TcpClient]::new('127.0.0.1', $smartPort)
            try {
                $tcp.ReceiveTimeout = 10000
                $reader = [System.IO.StreamReader]::new($tcp.GetStream(), [System.Text.Encoding]::UTF8, $false, 4096, $true)
                $key = 'pester:smart:watch'
                Invoke-RespCommand $tcp $reader 'SET', $key, 'v1' | Should -Be 'OK'
                Invoke-RespCommand $tcp $reader 'WATCH', $key | Should -Be 'OK'
                Invoke-RespCommand $tcp $reader 'GET', $key | Should -Be 'v1'
                Invoke-RespCommand $tcp $reader 'MULTI' | Should -Be 'OK'
                Invoke-RespCommand $tcp $reader 'SET', $key, 'v2' | Should -Be 'QUEUED'
                $exec = @(Invoke-RespCommand $tcp $reader 'EXEC')
                $exec.Count | Should -Be 1
                $exec[0] | Should -Be 'OK'
                redis-cli -p $smartPort GET $key | Should -Be 'v2'

                # Another client (a redis-cli run is a connection of its own) changes the key between WATCH and EXEC.
                Invoke-RespCommand $tcp $reader 'WATCH', $key | Should -Be 'OK'
                redis-cli -p $smartPort SET $key theirs | Should -Be 'OK'
                Invoke-RespCommand $tcp $reader 'MULTI' | Should -Be 'OK'
                Invoke-RespCommand $tcp $reader 'SET', $key, 'v3' | Should -Be 'QUEUED'
                Invoke-RespCommand $tcp $reader 'EXEC' | Should -Be '(nil array)'
                redis-cli -p $smartPort GET $key | Should -Be 'theirs'

                # Keys in two slots (13739 and 15329) cannot be watched together; the error names both slots.
                Invoke-RespCommand $tcp $reader 'WATCH', $key, 'pester:smart:other' | Should -BeLike '(error) CROSSSLOT*slot 13739*slot 15329*'
                Invoke-RespCommand $tcp $reader 'UNWATCH' | Should -Be 'OK'
            }
            finally {
                $tcp.Dispose()
            }
        }
    }
}
