#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Owns Enter-RedisCli's streams as a user at a prompt meets them: SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE and MONITOR
# print what arrives in redis-cli's format, and Ctrl+C (SIGINT to pwsh, as a terminal sends it when input is not
# a terminal) ends the stream and returns to the prompt, the first time and every time after. The prompt runs in a
# pwsh of its own whose input the test types line by line while reading its screen. RedisSubscriber and
# RedisMonitor themselves (slots, re-subscribing, nodes of MONITOR lines) are the xunit tests' (tests/Unit/PubSub).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../out/RedisCluster/RedisCluster.psd1') -Force
    Import-Module (Join-Path $PSScriptRoot 'TestServer.psm1') -Force
    $script:server = Start-TestRedis
    $script:cluster = Start-TestRedisCluster
    $script:single = Connect-Redis -Endpoint $server.Endpoint -NoDefault
    $script:clustered = Connect-Redis -Endpoint $cluster.Seed -NoDefault
    $script:manifest = (Resolve-Path (Join-Path $PSScriptRoot '../../out/RedisCluster/RedisCluster.psd1')).Path -replace "'", "''"

    # Starts Enter-RedisCli in a pwsh of its own, with its input and screen redirected.
    function Start-Cli([string] $Arguments) {
        $pwsh = [Environment]::ProcessPath
        $info = [System.Diagnostics.ProcessStartInfo]::new($pwsh)
        # Under `dotnet pwsh` the process is dotnet, which runs pwsh.dll: its pid is the pwsh that gets the signal.
        if ([System.IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { $info.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
        foreach ($argument in @('-NoProfile', '-Command', "Import-Module '$manifest' -ErrorAction Stop; Enter-RedisCli $Arguments")) {
            $info.ArgumentList.Add($argument)
        }
        $info.UseShellExecute = $false
        $info.RedirectStandardInput = $true
        $info.RedirectStandardOutput = $true
        $info.RedirectStandardError = $true
        $process = [System.Diagnostics.Process]::Start($info)
        $cli = [pscustomobject]@{
            Process = $process; Screen = [System.Text.StringBuilder]::new(); Buffer = [char[]]::new(8192); Read = $null
            Errors = $process.StandardError.ReadToEndAsync(); Seen = 0
        }
        $cli.Read = $process.StandardOutput.ReadAsync($cli.Buffer, 0, $cli.Buffer.Length)
        $cli
    }

    function Send-CliLine($Cli, [string] $Line) {
        $Cli.Process.StandardInput.WriteLine($Line)
        $Cli.Process.StandardInput.Flush()
    }

    # Ctrl+C as pwsh gets it when its input is not a terminal.
    function Send-CliInterrupt($Cli) { & kill -s INT $Cli.Process.Id }

    # Waits until the screen, after what earlier waits matched, matches the pattern; returns the match. The deadline
    # only turns a hang into a failure.
    function Wait-CliScreen($Cli, [string] $Pattern, [string] $Because) {
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while ($true) {
            $screen = $Cli.Screen.ToString() -replace "`r", ''
            $match = [regex]::Match($screen.Substring([Math]::Min($Cli.Seen, $screen.Length)), $Pattern)
            if ($match.Success) {
                $Cli.Seen += $match.Index + $match.Length
                return $match.Value
            }
            if ([DateTime]::UtcNow -gt $deadline) {
                throw "Timed out waiting for $Because (/$Pattern/). The screen:`n$screen"
            }
            if ($Cli.Read.Wait(100)) {
                $count = $Cli.Read.Result
                if ($count -eq 0) {
                    $Cli.Process.WaitForExit(10000) | Out-Null
                    throw "The prompt ended before $Because (/$Pattern/). The screen:`n$screen`nErrors:`n$($Cli.Errors.Result)"
                }
                [void]$Cli.Screen.Append($Cli.Buffer, 0, $count)
                $Cli.Read = $Cli.Process.StandardOutput.ReadAsync($Cli.Buffer, 0, $Cli.Buffer.Length)
            }
        }
    }

    function Stop-Cli($Cli) {
        if ($Cli -and -not $Cli.Process.HasExited) { $Cli.Process.Kill() }
        if ($Cli) { $Cli.Process.Dispose() }
    }

    # "quit" ends the prompt and pwsh with it.
    function Assert-CliQuits($Cli) {
        Send-CliLine $Cli 'quit'
        $Cli.Process.StandardInput.Close()
        $Cli.Process.WaitForExit(60000) | Should -BeTrue -Because 'quit ends the prompt'
    }

    function Test-MonitorClient($Connection) {
        [bool](@(Invoke-RedisCommand CLIENT LIST -Connection $Connection) -join "`n" -match 'flags=O')
    }
}

AfterAll {
    $single.Dispose()
    $clustered.Dispose()
    Stop-TestRedis $server
    Stop-TestRedisCluster $cluster
}

Describe 'Enter-RedisCli streams on one server' {
    AfterEach { Stop-Cli $cli }

    It 'prints SUBSCRIBE messages as they arrive; Ctrl+C ends it and the prompt goes on, then ends MONITOR the same way' {
        $script:cli = Start-Cli "-Endpoint $($server.Endpoint)"
        $prompt = [regex]::Escape("$($server.Endpoint)> ")
        Send-CliLine $cli 'SUBSCRIBE pester:cli:a pester:cli:b'
        Wait-CliScreen $cli ('Reading messages\.\.\. \(press Ctrl-C to quit\)\n1\) "subscribe"\n2\) "pester:cli:a"\n3\) \(integer\) 1\n' +
            '1\) "subscribe"\n2\) "pester:cli:b"\n3\) \(integer\) 2\n') -Because 'the confirmations, as redis-cli prints them' | Out-Null

        Send-RedisMessage -Channel pester:cli:b -Message 'hello there' -Connection $single | Out-Null
        Wait-CliScreen $cli '1\) "message"\n2\) "pester:cli:b"\n3\) "hello there"\n' -Because 'the message another client published' | Out-Null

        Send-CliInterrupt $cli
        Wait-CliScreen $cli "$prompt$" -Because 'the prompt after Ctrl+C' | Out-Null
        Wait-Until -Because 'the server to see the subscription end' -Condition {
            (Invoke-RedisCommand PUBSUB NUMSUB pester:cli:a pester:cli:b -Connection $single)[1, 3] -join ',' -eq '0,0'
        }
        Send-CliLine $cli 'PING'
        Wait-CliScreen $cli 'PONG\n' -Because 'a command after the subscription' | Out-Null

        # PowerShell delivers only the first stop of a pipeline to the cmdlet; the second Ctrl+C must work as well.
        Send-CliLine $cli 'MONITOR'
        Wait-CliScreen $cli 'OK\n' -Because 'MONITOR confirmed' | Out-Null
        Invoke-RedisCommand SET pester:cli:key 'a value' -Connection $single | Out-Null
        Wait-CliScreen $cli '\d+\.\d+ \[0 127\.0\.0\.1:\d+\] "SET" "pester:cli:key" "a value"\n' -Because "another client's command, untagged on one server" | Out-Null
        Send-CliInterrupt $cli
        Wait-CliScreen $cli "$prompt$" -Because 'the prompt after the second Ctrl+C' | Out-Null
        Wait-Until -Because 'the MONITOR connection to close' -Condition { -not (Test-MonitorClient $single) }

        # The server closing the MONITOR connection ends the stream too, with redis-cli's message.
        Send-CliLine $cli 'MONITOR'
        Wait-CliScreen $cli 'OK\n' -Because 'MONITOR confirmed again' | Out-Null
        $monitorId = [regex]::Match((Invoke-RedisCommand CLIENT LIST -Connection $single), '(?m)^id=(\d+) [^\n]*flags=O').Groups[1].Value
        Invoke-RedisCommand CLIENT KILL ID $monitorId -Connection $single | Should -Be 1
        Wait-CliScreen $cli "-> MONITOR of $([regex]::Escape($server.Endpoint)) ended[^\n]*\n$prompt$" -Because 'the prompt after the server closed MONITOR' | Out-Null

        Send-CliLine $cli 'MONITOR 127.0.0.1:1'
        Wait-CliScreen $cli '\(error\) ERR MONITOR takes a node \(host:port\) only on a cluster' -Because 'a node argument on one server' | Out-Null
        Send-CliLine $cli 'SUBSCRIBE'
        Wait-CliScreen $cli "\(error\) ERR wrong number of arguments for 'subscribe' command" -Because 'SUBSCRIBE without a channel' | Out-Null
        Assert-CliQuits $cli
        $cli.Errors.Result | Should -Match 'Error: Server closed the connection'
    }

    It 'prints PSUBSCRIBE messages with the pattern that matched' {
        $script:cli = Start-Cli "-Endpoint $($server.Endpoint)"
        Send-CliLine $cli 'PSUBSCRIBE pester:news.*'
        Wait-CliScreen $cli '1\) "psubscribe"\n2\) "pester:news\.\*"\n3\) \(integer\) 1\n' -Because 'the confirmation' | Out-Null
        Send-RedisMessage -Channel pester:news.today -Message 'rain' -Connection $single | Out-Null
        Wait-CliScreen $cli '1\) "pmessage"\n2\) "pester:news\.\*"\n3\) "pester:news\.today"\n4\) "rain"\n' -Because 'the pattern message' | Out-Null
        Send-CliInterrupt $cli
        Wait-CliScreen $cli "$([regex]::Escape("$($server.Endpoint)> "))$" -Because 'the prompt after Ctrl+C' | Out-Null
        Assert-CliQuits $cli
    }
}

Describe 'Enter-RedisCli streams on a cluster' {
    BeforeAll {
        # The hash tags a, b and c live on the three primaries of a fresh 3-primary cluster (slots 15495, 3300, 7365).
        $script:owner = @{}
        foreach ($tag in 'a', 'b', 'c') {
            $owner[$tag] = (Invoke-RedisCommand SET "pester:{$tag}:probe" x -Detailed -Connection $clustered).Endpoint
        }
    }

    AfterEach { Stop-Cli $cli }

    It 'SSUBSCRIBE hears shard channels on every primary; Ctrl+C returns to the prompt' {
        @($owner.Values | Sort-Object -Unique).Count | Should -Be 3
        $script:cli = Start-Cli "-Endpoint $($cluster.Seed)"
        Send-CliLine $cli 'SSUBSCRIBE pester:{a}:ch pester:{b}:ch pester:{c}:ch'
        Wait-CliScreen $cli '1\) "ssubscribe"\n2\) "pester:\{c\}:ch"\n3\) \(integer\) 3\n' -Because 'the three confirmations' | Out-Null
        # One at a time: each primary's messages come on a connection of their own, so messages published together
        # to three primaries may be printed in any order.
        foreach ($tag in 'a', 'b', 'c') {
            Send-RedisMessage -Channel "pester:{$tag}:ch" -Message "to $tag" -Sharded -Connection $clustered | Out-Null
            Wait-CliScreen $cli "1\) `"smessage`"\n2\) `"pester:\{$tag\}:ch`"\n3\) `"to $tag`"\n" -Because "the message on $tag's primary" | Out-Null
        }
        Send-CliInterrupt $cli
        Wait-CliScreen $cli "$([regex]::Escape("$($cluster.Seed) (cluster)> "))$" -Because 'the prompt after Ctrl+C' | Out-Null
        Send-CliLine $cli 'GET pester:{a}:probe'
        Wait-CliScreen $cli '"x"\n' -Because 'a command after the subscription' | Out-Null
        Assert-CliQuits $cli
    }

    It 'MONITOR watches every primary with each line tagged by its node, or the one node named' {
        $script:cli = Start-Cli "-Endpoint $($cluster.Seed)"
        $prompt = [regex]::Escape("$($cluster.Seed) (cluster)> ")
        Send-CliLine $cli 'MONITOR'
        Wait-CliScreen $cli 'OK\n' -Because 'MONITOR confirmed by every primary' | Out-Null
        foreach ($tag in 'a', 'b', 'c') {
            Invoke-RedisCommand SET "pester:{$tag}:m" v -Connection $clustered | Out-Null
            Wait-CliScreen $cli "$([regex]::Escape($owner[$tag])): \d+\.\d+ \[0 [^\]]+\] `"SET`" `"pester:\{$tag\}:m`" `"v`"\n" -Because "the SET on $tag's primary, tagged with it" | Out-Null
        }
        Send-CliInterrupt $cli
        Wait-CliScreen $cli "$prompt$" -Because 'the prompt after Ctrl+C' | Out-Null

        Send-CliLine $cli "MONITOR $($owner['b'])"
        Wait-CliScreen $cli 'OK\n' -Because 'MONITOR of one node' | Out-Null
        Invoke-RedisCommand SET 'pester:{a}:one' v -Connection $clustered | Out-Null
        Invoke-RedisCommand SET 'pester:{b}:one' v -Connection $clustered | Out-Null
        $seen = Wait-CliScreen $cli "(?s).*$([regex]::Escape($owner['b'])): [^\n]*`"pester:\{b\}:one`"" -Because "the SET on the node watched"
        $seen | Should -Not -Match 'pester:\{a\}:one' -Because 'the other primaries are not watched'
        Send-CliInterrupt $cli
        Wait-CliScreen $cli "$prompt$" -Because 'the prompt after the second Ctrl+C' | Out-Null

        Send-CliLine $cli 'MONITOR 127.0.0.1:1'
        Wait-CliScreen $cli '\(error\) ERR 127\.0\.0\.1:1 is not a node of this cluster; its nodes are 127\.0\.0\.1:' -Because 'an unknown node' | Out-Null
        Assert-CliQuits $cli
    }
}
