#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Owns Receive-RedisMessage and Send-RedisMessage as a user drives them in pwsh: a worker reading messages in a
# pipeline, the ways a subscription ends (-Count, -Timeout, a pipeline that needs no more, Stop as Ctrl+C does
# it), messages piped into Send-RedisMessage by value and by property name, bytes, the table view and the errors,
# and the cluster journey: a worker on shard channels of every primary fed by Send-RedisMessage -Sharded in a job.
# Ordering, loss, RESP2/RESP3, slow consumers, failover and slot moves are the xunit tests' (tests/Unit/PubSub).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../out/RedisCluster/RedisCluster.psd1') -Force
    Import-Module (Join-Path $PSScriptRoot 'TestServer.psm1') -Force
    $script:server = Start-TestRedis
    Connect-Redis -Endpoint $server.Endpoint | Out-Null

    # Subscribers of a channel on the test server, as the server counts them.
    function Get-SubscriberCount([string] $Channel) {
        [long](Invoke-RedisCommand PUBSUB NUMSUB $Channel)[1]
    }

    # Publishes the messages from a thread job once the channel has a subscriber, and the server -Patterns pattern
    # subscriptions (redis-cli, so the job needs no module).
    function Start-Publisher([string] $Channel, [string[]] $Messages, [int] $Patterns = 0) {
        $port = $server.Port
        Start-ThreadJob -ArgumentList $port, $Channel, $Messages, $Patterns, (Join-Path $PSScriptRoot 'TestServer.psm1') -ScriptBlock {
            param($port, $channel, $messages, $patterns, $helpers)
            Import-Module $helpers
            Wait-Until { (& redis-cli -p $port PUBSUB NUMSUB $channel)[1] -eq '1' -and [int](& redis-cli -p $port PUBSUB NUMPAT) -ge $patterns } -Because "a subscriber on $channel"
            foreach ($message in $messages) { & redis-cli -p $port PUBLISH $channel $message | Out-Null }
        }
    }
}

AfterAll {
    Get-Job | Remove-Job -Force
    Disconnect-Redis
    Stop-TestRedis $server
}

Describe 'Receive-RedisMessage' {
    It 'feeds a job-queue worker in a pipeline and ends after -Count messages' {
        Invoke-RedisCommand DEL pester:done | Out-Null
        $publisher = Start-Publisher -Channel pester:jobs -Messages @('3', '4', '5')

        $results = Receive-RedisMessage -Channel pester:jobs -Count 3 | ForEach-Object {
            Invoke-RedisCommand INCRBY pester:done $_.Message | Out-Null
            "done $($_.Message) from $($_.Channel)"
        }

        $results | Should -Be @('done 3 from pester:jobs', 'done 4 from pester:jobs', 'done 5 from pester:jobs')
        Invoke-RedisCommand GET pester:done | Should -Be '12'
        # The cmdlet closes its connection as it ends; the server notices a moment later.
        Wait-Until -Because 'the subscription to end' { (Get-SubscriberCount pester:jobs) -eq 0 }
        $publisher | Wait-Job | Receive-Job -ErrorAction Stop
    }

    It 'writes message objects with the channel, pattern, kind, node and time' {
        # The pattern subscription follows the channel's: the publisher waits for both, or the pattern could miss the message.
        $publisher = Start-Publisher -Channel pester:obj -Messages @('hello') -Patterns 1
        $messages = @(Receive-RedisMessage -Channel pester:obj -Pattern 'pester:ob*' -Count 2)
        $publisher | Wait-Job | Receive-Job -ErrorAction Stop

        $messages.Count | Should -Be 2
        $messages | ForEach-Object { $_ | Should -BeOfType ([RedisCluster.PowerShell.Output.RedisMessage]) }
        $channel = $messages | Where-Object Kind -EQ 'Channel'
        $pattern = $messages | Where-Object Kind -EQ 'Pattern'
        $channel.Message | Should -BeExactly 'hello'
        $channel.Pattern | Should -BeNullOrEmpty
        $pattern.Pattern | Should -Be 'pester:ob*'
        $pattern.Channel | Should -Be 'pester:obj'
        $messages.Node | Should -Be @($server.Endpoint, $server.Endpoint)
        $channel.Received | Should -BeOfType ([datetime])
    }

    It 'ends when -Timeout passes with nothing received' {
        $messages = @(Receive-RedisMessage -Channel pester:quiet -Timeout 1)
        $messages.Count | Should -Be 0
        Wait-Until -Because 'the subscription to end' { (Get-SubscriberCount pester:quiet) -eq 0 }
    }

    It 'ends the subscription when a downstream Select-Object -First has enough' {
        $publisher = Start-Publisher -Channel pester:first -Messages (1..10 | ForEach-Object { "m$_" })
        $first = Receive-RedisMessage -Channel pester:first | Select-Object -First 3
        $first.Message | Should -Be @('m1', 'm2', 'm3')
        Wait-Until -Because 'the subscription to end' { (Get-SubscriberCount pester:first) -eq 0 }
        $publisher | Wait-Job | Receive-Job -ErrorAction Stop
    }

    It 'stops on Stop (what Ctrl+C does) and ends the subscription' {
        $shell = [powershell]::Create()
        try {
            $null = $shell.AddScript("Import-Module '$(Join-Path $PSScriptRoot '../../out/RedisCluster/RedisCluster.psd1')'; Receive-RedisMessage -Channel pester:stop -Endpoint '$($server.Endpoint)'")
            $running = $shell.BeginInvoke()
            Wait-Until -Because 'the subscriber to subscribe' { (Get-SubscriberCount pester:stop) -eq 1 }
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $shell.Stop()
            Write-Host "Receive-RedisMessage stopped $([int]$clock.Elapsed.TotalMilliseconds) ms after Stop()"
            $running.IsCompleted | Should -BeTrue
            $shell.InvocationStateInfo.State | Should -Be 'Stopped'
            Wait-Until -Because 'the subscription to end' { (Get-SubscriberCount pester:stop) -eq 0 }
        }
        finally {
            $shell.Dispose()
        }
    }

    It 'writes byte arrays with -AsByteArray' {
        $publisher = Start-Publisher -Channel pester:bytes -Messages @('AB')
        $message = Receive-RedisMessage -Channel pester:bytes -Count 1 -AsByteArray
        $publisher | Wait-Job | Receive-Job -ErrorAction Stop
        $message.Message | Should -BeOfType ([byte])
        [byte[]]$message.Message | Should -Be @(65, 66)
    }

    It 'shows messages as a table of time, kind, channel and message' {
        $publisher = Start-Publisher -Channel pester:table -Messages @('shown')
        $text = Receive-RedisMessage -Channel pester:table -Count 1 | Format-Table | Out-String -Width 120
        $publisher | Wait-Job | Receive-Job -ErrorAction Stop
        $text | Should -Match 'Received\s+Kind\s+Channel\s+Message'
        $text | Should -Match '\d\d:\d\d:\d\d\.\d{3}\s+Channel\s+pester:table\s+shown'
    }

    It 'refuses to start without a channel, pattern or shard channel' {
        { Receive-RedisMessage -ErrorAction Stop } | Should -Throw -ErrorId 'RedisNoSubscription,RedisCluster.PowerShell.Commands.ReceiveRedisMessageCommand'
    }

    It 'reports a channel the ACL user may not subscribe to as a permission error' {
        Invoke-RedisCommand ACL SETUSER pester-nochan on '>pester-pw' '+@all' '~*' resetchannels | Should -Be 'OK'
        $credential = [pscredential]::new('pester-nochan', (ConvertTo-SecureString 'pester-pw' -AsPlainText -Force))
        $failure = $null
        try { Receive-RedisMessage -Channel secret -Endpoint $server.Endpoint -Credential $credential -Timeout 5 -ErrorAction Stop }
        catch { $failure = $_ }
        $failure.FullyQualifiedErrorId | Should -Be 'RedisSubscriptionRefused,RedisCluster.PowerShell.Commands.ReceiveRedisMessageCommand'
        $failure.CategoryInfo.Category | Should -Be 'PermissionDenied'
        "$failure" | Should -Not -Match 'pester-pw'
    }
}

Describe 'Send-RedisMessage' {
    BeforeAll {
        # A subscriber of its own (redis-cli), so that each message reaches one receiver.
        $script:listener = Start-Process redis-cli -ArgumentList '-p', $server.Port, 'SUBSCRIBE', 'pester:send' -PassThru -RedirectStandardOutput (Join-Path $server.Directory 'listener.txt')
        Wait-Until -Because 'the listener to subscribe' { (Get-SubscriberCount pester:send) -eq 1 }
    }

    AfterAll {
        Stop-Process -Id $listener.Id -Force -ErrorAction SilentlyContinue
    }

    It 'publishes piped messages and returns the receivers of each' {
        $results = 'one', 'two', 'three' | Send-RedisMessage -Channel pester:send
        $results.Count | Should -Be 3
        $results | ForEach-Object { $_ | Should -BeOfType ([RedisCluster.PowerShell.Output.RedisPublishResult]) }
        $results.Receivers | Should -Be @(1, 1, 1)
        $results.Channel | Should -Be @('pester:send', 'pester:send', 'pester:send')
        $results[0].Node | Should -Be $server.Endpoint
        Wait-Until -Because 'the listener to print the messages' { (Get-Content (Join-Path $server.Directory 'listener.txt') -Raw) -match 'three' }
    }

    It 'takes the channel and message by property name, so messages can be relayed' {
        $results = @(
            [pscustomobject]@{ Channel = 'pester:send'; Message = 'relayed' }
            [pscustomobject]@{ Channel = 'pester:nobody'; Message = 'lost' }
        ) | Send-RedisMessage
        $results.Receivers | Should -Be @(1, 0)
        $results.Channel | Should -Be @('pester:send', 'pester:nobody')
    }

    It 'sends SPUBLISH with -Sharded and byte arrays as they are' {
        $result = Send-RedisMessage -Channel pester:send -Message ([byte[]](0, 255)) -Sharded
        $result.Sharded | Should -BeTrue
        $result.Receivers | Should -Be 0 -Because 'the listener subscribed with SUBSCRIBE, not SSUBSCRIBE'
        (Send-RedisMessage pester:send 'positional').Receivers | Should -Be 1
    }

    It 'shows results as a table' {
        $text = Send-RedisMessage pester:send 'table' | Format-Table | Out-String -Width 120
        $text | Should -Match 'Channel\s+Receivers\s+Node'
        $text | Should -Match "pester:send\s+1\s+$([regex]::Escape($server.Endpoint))"
    }
}

Describe 'Shard channels on a cluster' {
    BeforeAll {
        $script:cluster = Start-TestRedisCluster
        $script:clustered = Connect-Redis -Endpoint $cluster.Seed -NoDefault
        # The hash tags a, b and c live on the three primaries of a fresh 3-primary cluster (slots 15495, 3300, 7365).
        $script:channels = 'pester:{a}:jobs', 'pester:{b}:jobs', 'pester:{c}:jobs'
        $script:owner = @{}
        foreach ($channel in $channels) { $owner[$channel] = (Invoke-RedisCommand SET "${channel}:probe" x -Detailed -Connection $clustered).Endpoint }
    }

    AfterAll {
        $clustered.Dispose()
        Stop-TestRedisCluster $cluster
    }

    It 'feeds a worker from shard channels on every primary, published by Send-RedisMessage -Sharded in a job' {
        @($owner.Values | Sort-Object -Unique).Count | Should -Be 3
        $manifest = Join-Path $PSScriptRoot '../../out/RedisCluster/RedisCluster.psd1'
        $ports = @($cluster.Nodes | ForEach-Object Port)
        $producer = Start-ThreadJob -ArgumentList $manifest, $cluster.Seed, $ports, $channels, (Join-Path $PSScriptRoot 'TestServer.psm1') -ScriptBlock {
            param($manifest, $seed, $ports, $channels, $helpers)
            Import-Module $manifest -ErrorAction Stop
            Import-Module $helpers
            # Publishes once every channel has its subscriber, wherever its primary is (SHARDNUMSUB counts per node).
            foreach ($channel in $channels) {
                Wait-Until { ($ports | ForEach-Object { [int](& redis-cli -p $_ PUBSUB SHARDNUMSUB $channel)[1] } | Measure-Object -Sum).Sum -eq 1 } -Because "a subscriber on $channel"
            }
            foreach ($channel in $channels) {
                1..20 | ForEach-Object { "job $_" } | Send-RedisMessage -Channel $channel -Sharded -Endpoint $seed
            }
        }

        $done = Receive-RedisMessage -ShardChannel $channels -Connection $clustered -Count 60 -Timeout 120 | ForEach-Object {
            [pscustomobject]@{ Channel = $_.Channel; Job = [int]($_.Message -replace 'job ', ''); Node = $_.Node; Kind = $_.Kind }
        }

        $published = @($producer | Wait-Job | Receive-Job -ErrorAction Stop)
        $published.Count | Should -Be 60
        $published.Receivers | Sort-Object -Unique | Should -Be 1 -Because 'each SPUBLISH reached the one subscriber'
        $done.Count | Should -Be 60
        foreach ($channel in $channels) {
            $mine = @($done | Where-Object Channel -eq $channel)
            $mine.Job | Should -Be (1..20) -Because "$channel's messages arrive in order"
            $mine.Node | Sort-Object -Unique | Should -Be $owner[$channel] -Because "$channel is subscribed at its slot's primary"
        }
        $done.Kind | Sort-Object -Unique | Should -Be 'ShardChannel'
    }
}
