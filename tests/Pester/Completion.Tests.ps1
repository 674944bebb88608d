#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Tab completion as the console asks for it (TabExpansion2), in real pwsh: command names and subcommands
# with no server, from a server named on the command line or connected, tunnel names and enum values.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../out/RedisCluster/RedisCluster.psd1') -Force
    Import-Module (Join-Path $PSScriptRoot 'TestServer.psm1') -Force

    function Get-Completion([string] $Line) {
        @((TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches)
    }

    function Get-CompletionText([string] $Line) {
        @(Get-Completion $Line | ForEach-Object CompletionText)
    }

    # A server that is not Redis 7.0: its COMMAND table has only PESTERONLY (with the subcommand ALPHA), so
    # completions that offer PESTERONLY came from this server and not from the module's own list. It speaks
    # RESP2 (answers HELLO with NOPROTO), counts COMMAND requests and, with -Password, answers COMMAND only
    # after AUTH. It serves every client from one background runspace, polling, since requests are small.
    function Start-FakeRedis([string] $Password) {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()
        $state = [hashtable]::Synchronized(@{ CommandRequests = 0; Stop = $false; Ready = $false })
        $runner = [powershell]::Create()
        $null = $runner.AddScript({
            param($listener, $state, $password)
            $sub = "*10`r`n`$16`r`npesteronly|alpha`r`n:2`r`n*0`r`n:0`r`n:0`r`n:0`r`n*0`r`n*0`r`n*0`r`n*0`r`n"
            $table = "*1`r`n*10`r`n`$10`r`npesteronly`r`n:-2`r`n*0`r`n:0`r`n:0`r`n:0`r`n*0`r`n*0`r`n*0`r`n*1`r`n$sub"
            $info = "redis_version:7.0.15`r`nredis_mode:standalone`r`n"
            $clients = [System.Collections.Generic.List[object]]::new()
            $state.Ready = $true
            while (-not $state.Stop) {
                if ($listener.Pending()) {
                    $tcp = $listener.AcceptTcpClient()
                    $clients.Add([pscustomobject]@{ Tcp = $tcp; Reader = [System.IO.StreamReader]::new($tcp.GetStream(), [System.Text.Encoding]::ASCII); Authed = -not $password })
                }
                foreach ($client in @($clients)) {
                    try {
                        if (-not $client.Tcp.Connected -or -not $client.Tcp.GetStream().DataAvailable) { continue }
                        $count = [int]$client.Reader.ReadLine().Substring(1)
                        $words = @(for ($i = 0; $i -lt $count; $i++) { $null = $client.Reader.ReadLine(); $client.Reader.ReadLine() })
                        $reply = switch ($words[0].ToUpperInvariant()) {
                            'HELLO' { "-NOPROTO this server speaks RESP2 only`r`n" }
                            'AUTH' { if ($words[-1] -eq $password) { $client.Authed = $true; "+OK`r`n" } else { "-WRONGPASS invalid password`r`n" } }
                            'INFO' { "`$$($info.Length)`r`n$info`r`n" }
                            'COMMAND' {
                                if ($client.Authed) { $state.CommandRequests++; $table } else { "-NOAUTH Authentication required.`r`n" }
                            }
                            'PING' { "+PONG`r`n" }
                            default { "+OK`r`n" }
                        }
                        $bytes = [System.Text.Encoding]::ASCII.GetBytes($reply)
                        $client.Tcp.GetStream().Write($bytes, 0, $bytes.Length)
                    }
                    catch { $client.Tcp.Dispose(); $clients.Remove($client) | Out-Null }
                }
                Start-Sleep -Milliseconds 5
            }
            $clients | ForEach-Object { $_.Tcp.Dispose() }
        }).AddArgument($listener).AddArgument($state).AddArgument($Password)
        $handle = $runner.BeginInvoke()
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while (-not $state.Ready -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
        if (-not $state.Ready) { throw 'the fake server did not start' }
        [pscustomobject]@{ Endpoint = "127.0.0.1:$($listener.LocalEndpoint.Port)"; State = $state; Listener = $listener; Runner = $runner; Handle = $handle }
    }

    function Stop-FakeRedis($Fake) {
        if ($Fake) {
            $Fake.State.Stop = $true
            $null = $Fake.Runner.EndInvoke($Fake.Handle)
            $Fake.Listener.Stop()
            $Fake.Runner.Dispose()
        }
    }
}

Describe 'Completion with no server' {
    BeforeAll {
        Disconnect-Redis -ErrorAction SilentlyContinue
    }

    It 'completes command names from the Redis 7.0 list that ships with the module' {
        $matches = Get-Completion 'Invoke-RedisCommand CLU'
        $matches.CompletionText | Should -Contain 'CLUSTER'
        $matches.CompletionText | ForEach-Object { $_ | Should -BeLike 'CLU*' }
        ($matches | Where-Object CompletionText -EQ 'CLUSTER').ToolTip | Should -BeLike 'CLUSTER: *'
        Get-CompletionText 'Invoke-RedisCommand zuni' | Should -Be @('ZUNION', 'ZUNIONSTORE')
        Get-CompletionText 'Invoke-RedisCommand -Command GETD' | Should -Be @('GETDEL')
    }

    It 'completes the subcommands of CLUSTER, CONFIG and CLIENT' {
        $cluster = Get-CompletionText 'Invoke-RedisCommand CLUSTER '
        $cluster | Should -Contain 'SHARDS'
        $cluster | Should -Contain 'INFO'
        $cluster | Should -Not -Contain 'CLUSTER'
        Get-CompletionText 'Invoke-RedisCommand config g' | Should -Be @('GET')
        Get-CompletionText 'Invoke-RedisCommand CLIENT NO-' | Should -Be @('NO-EVICT')
        (Get-Completion 'Invoke-RedisCommand CONFIG RESETS')[0].ToolTip | Should -BeLike 'CONFIG RESETSTAT: *'
    }

    It 'finds the subcommand word after parameters and their values' {
        Get-CompletionText 'Invoke-RedisCommand -Verbose -BatchSize 10 CONFIG G' | Should -Be @('GET')
        Get-CompletionText 'Invoke-RedisCommand -Command CONFIG G' | Should -Be @('GET')
        Get-CompletionText 'Invoke-RedisCommand CONFIG -AsBytes G' | Should -Be @('GET')
    }

    It 'offers no subcommands after the first argument or for a command without any' {
        Get-CompletionText 'Invoke-RedisCommand CONFIG GET RESETS' | Should -Not -Contain 'RESETSTAT'
        Get-CompletionText 'Invoke-RedisCommand GET IN' | Should -Not -Contain 'INFO'
    }

    It 'falls back to the shipped list when the named server does not answer' {
        $closed = Get-FreePort
        Get-CompletionText "Invoke-RedisCommand -Endpoint 127.0.0.1:$closed CLUSTER SHA" | Should -Be @('SHARDS')
        $Error.Clear()
        Get-CompletionText "Invoke-RedisCommand -Endpoint 'no such host:1' CLU" | Should -Be @('CLUSTER')
    }

    It 'completes enum values' {
        (Get-CompletionText 'Start-RedisFill -CommandShape ' | Sort-Object) | Should -Be @('MSet', 'Set')
        Get-CompletionText 'Get-RedisClusterNode -Role ' | Should -Contain 'Replica'
    }
}

Describe 'Completion from a server' {
    BeforeAll {
        $script:fake = Start-FakeRedis
        $script:locked = Start-FakeRedis -Password 'Pester-S3cret'
        $script:real = Start-TestRedis
    }

    AfterAll {
        Disconnect-Redis -ErrorAction SilentlyContinue
        Stop-FakeRedis $fake
        Stop-FakeRedis $locked
        Stop-TestRedis $real
    }

    # -ConnectTimeout 60: the completer waits that long instead of its few seconds, so a busy machine cannot
    # turn a slow answer into the shipped list.
    It 'uses the COMMAND table of the server named by -Endpoint, asked once' {
        Get-CompletionText "Invoke-RedisCommand -Endpoint $($fake.Endpoint) -ConnectTimeout 60 PESTER" | Should -Be @('PESTERONLY')
        Get-CompletionText "Invoke-RedisCommand -Endpoint $($fake.Endpoint) -ConnectTimeout 60 PESTERONLY " | Should -Be @('ALPHA')
        Get-CompletionText "Invoke-RedisCommand -Endpoint $($fake.Endpoint) -ConnectTimeout 60 CLU" | Should -BeNullOrEmpty
        $fake.State.CommandRequests | Should -Be 1
    }

    It 'connects with the -Credential on the line, and never prompts for one' {
        Get-CompletionText "Invoke-RedisCommand -Endpoint $($locked.Endpoint) -ConnectTimeout 60 PESTER" | Should -BeNullOrEmpty
        $credential = [pscredential]::new('default', (ConvertTo-SecureString 'Pester-S3cret' -AsPlainText -Force))
        Get-CompletionText "Invoke-RedisCommand -Endpoint $($locked.Endpoint) -ConnectTimeout 60 -Credential `$credential PESTER" | Should -Be @('PESTERONLY')
        Get-CompletionText "Invoke-RedisCommand -Endpoint $($locked.Endpoint) -ConnectTimeout 60 -Credential alice CLU" | Should -Be @('CLUSTER')
    }

    It 'uses the session connection after Connect-Redis, and -Connection over it' {
        Connect-Redis -Endpoint $fake.Endpoint | Out-Null
        Get-CompletionText 'Invoke-RedisCommand PESTER' | Should -Be @('PESTERONLY')
        $realConnection = Connect-Redis -Endpoint $real.Endpoint -NoDefault
        Get-CompletionText 'Invoke-RedisCommand -Connection $realConnection CLU' | Should -Be @('CLUSTER')
        Disconnect-Redis
        Connect-Redis -Endpoint $real.Endpoint | Out-Null
        Get-CompletionText 'Invoke-RedisCommand CLUSTER SHA' | Should -Be @('SHARDS')
        Get-CompletionText 'Invoke-RedisCommand PESTER' | Should -BeNullOrEmpty
    }

    It 'completes the endpoints of the open connections' {
        Connect-Redis -Endpoint $real.Endpoint | Out-Null
        Get-CompletionText 'Invoke-RedisCommand PING -Endpoint 127.0.0.1:' | Should -Contain $real.Endpoint
    }
}

Describe 'Completion of tunnel names' {
    BeforeAll {
        $script:upstream = Start-TestRedis
        $script:tunnels = @(
            Start-RedisTunnel -Endpoint $upstream.Endpoint -ListenPort (Get-FreePort) -Name 'pester one' -PassThru
            Start-RedisTunnel -Endpoint $upstream.Endpoint -ListenPort (Get-FreePort) -Name 'alpha' -PassThru
        )
    }

    AfterAll {
        $tunnels | Stop-RedisTunnel
        Stop-TestRedis $upstream
    }

    It 'completes the names of the running tunnels, quoted where needed' {
        Get-CompletionText 'Get-RedisTunnel ' | Should -Be @('alpha', "'pester one'")
        Get-CompletionText 'Get-RedisTunnel -Name p' | Should -Be @("'pester one'")
        Get-CompletionText 'Stop-RedisTunnel -Name A' | Should -Be @('alpha')
    }

    It 'no longer offers a stopped tunnel' {
        Stop-RedisTunnel -Name alpha
        Get-CompletionText 'Stop-RedisTunnel -Name ' | Should -Be @("'pester one'")
    }
}

Describe 'Completion of cluster nodes' {
    BeforeAll {
        $script:cluster = Start-TestRedisCluster
        $script:nodes = Get-RedisClusterNode -Endpoint $cluster.Seed -Refresh
        $script:primaries = @($nodes | Where-Object IsPrimary)
        $script:replicas = @($nodes | Where-Object IsReplica)
    }

    AfterAll {
        Stop-TestRedisCluster $cluster
    }

    # -ConnectTimeout 60: the completer waits that long for the node named by -Cluster instead of its few seconds.
    It 'offers the endpoints and ids of the primaries of the cluster named by -Cluster for -Destination, and no replica' {
        $found = Get-Completion "Move-RedisSlot -Slot 1 -Cluster $($cluster.Seed) -ConnectTimeout 60 -Destination "
        $texts = @($found | ForEach-Object CompletionText)
        foreach ($primary in $primaries) {
            $texts | Should -Contain $primary.Endpoint.ToString()
            $texts | Should -Contain $primary.Id
        }
        foreach ($replica in $replicas) {
            $texts | Should -Not -Contain $replica.Endpoint.ToString()
            $texts | Should -Not -Contain $replica.Id
        }
        ($found | Where-Object CompletionText -eq $primaries[0].Id).ToolTip | Should -BeLike "$($primaries[0].Endpoint) primary $($primaries[0].Id) slots *"
    }

    It 'completes a node id from its first characters, replicas included where any node fits' {
        $replica = $replicas[0]
        Get-CompletionText "Remove-RedisClusterNode -Cluster $($cluster.Seed) -ConnectTimeout 60 -NodeId $($replica.Id.Substring(0, 8))" | Should -Be @($replica.Id)
    }

    It 'offers the nodes of a connected cluster without naming a member' {
        $connection = Connect-Redis -Endpoint $cluster.Seed -NoDefault
        try { Get-CompletionText "Optimize-RedisCluster -Endpoint 127.0.0.1:" | Should -Contain $primaries[1].Endpoint.ToString() }
        finally { Disconnect-Redis -Connection $connection }
    }
}
