#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Owns what a user does in pwsh against a Redis Cluster: piping node, key and connection objects from one
# cmdlet into the next (by value and by property name), what -Verbose says, and the Enter-RedisCli prompt
# (driven through the stdin of a child pwsh, as at a terminal). Routing, redirects, topology, the slot of a
# key and the CROSSSLOT hint are the xunit tests' (tests/Unit/Module/ClusterCmdletTests.cs, tests/Unit/Routing).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../out/RedisCluster/RedisCluster.psd1') -Force
    Import-Module (Join-Path $PSScriptRoot 'TestServer.psm1') -Force
    $script:cluster = Start-TestRedisCluster
    Connect-Redis -Endpoint $cluster.Seed | Out-Null

    # Types the lines into Enter-RedisCli in a pwsh of its own and returns its screen (prompts, echoed input,
    # replies and errors, in order), then 'after' once the prompt has ended.
    function Invoke-RedisCliSession([string[]] $Lines, [string] $Arguments) {
        $pwsh = [Environment]::ProcessPath
        # Under `dotnet pwsh` the process is dotnet, which runs pwsh.dll.
        $pwshArguments = @(if ([System.IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' })
        $manifest = (Resolve-Path (Join-Path $PSScriptRoot '../../out/RedisCluster/RedisCluster.psd1')).Path -replace "'", "''"
        $command = "Import-Module '$manifest' -ErrorAction Stop; Enter-RedisCli $Arguments; 'after'"
        $screen = $Lines | & $pwsh @pwshArguments -NoProfile -Command $command 2>&1 | ForEach-Object { "$_" }
        # Colours only make the screen harder to match.
        ($screen -join "`n") -replace "`e\[[0-9;]*m", ''
    }
}

AfterAll {
    Disconnect-Redis
    Stop-TestRedisCluster $cluster
}

Describe 'Cluster cmdlets in a pipeline' {
    It 'completes every node of the cluster for -Endpoint' {
        $line = 'Invoke-RedisCommand PING -Endpoint 127.0.0.1:'
        $completions = @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches | ForEach-Object CompletionText)
        $cluster.Nodes | ForEach-Object { $completions | Should -Contain $_.Endpoint }
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

    It 'pipes node objects into Invoke-RedisCommand by endpoint' {
        $roles = Get-RedisClusterNode | Invoke-RedisCommand -Command 'ROLE' -NoEnumerate | ForEach-Object { $_[0] }
        @($roles | Where-Object { $_ -eq 'master' }).Count | Should -Be 3
        @($roles | Where-Object { $_ -eq 'slave' }).Count | Should -Be 3
    }

    It 'pipes keys from Get-RedisKey into Invoke-RedisCommand by property name' {
        1..50 | ForEach-Object { "SET pester:scan:$_ x" } | Invoke-RedisCommand | Out-Null
        @(Get-RedisKey -Pattern 'pester:scan:*' | Invoke-RedisCommand EXPIRE -ArgumentList 100 | Where-Object { $_ -eq 1 }).Count | Should -Be 50
        Get-RedisKey -Pattern 'pester:scan:1' | Invoke-RedisCommand TTL | Should -BeGreaterThan 0
    }

    It 'pipes a connection into the other cmdlets by value' {
        $c = Connect-Redis -Endpoint $cluster.Seed -NoDefault
        try {
            @($c | Get-RedisClusterNode).Count | Should -Be 6
            @($c | Get-RedisKey -Pattern 'no-such-key-*').Count | Should -Be 0
        }
        finally { $c.Dispose() }
    }

    It 'describes the cluster with -Verbose' {
        $verbose = Connect-Redis -Endpoint $cluster.Seed -NoDefault -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        ($verbose.Message -join "`n") | Should -Match 'Cluster of 3 primaries'
    }
}

Describe 'Enter-RedisCli' {
    It 'runs commands and prints replies like redis-cli, until quit' {
        $key = "cli:$(Get-Random)"
        $screen = Invoke-RedisCliSession -Arguments "-Endpoint $($cluster.Seed) -ShowNode" -Lines @(
            "SET $key `"hello world`"", "GET $key", "INCR ${key}:n", "RPUSH ${key}:l a b", "LRANGE ${key}:l 0 -1", "GET ${key}:missing",
            "SUNIONSTORE ${key}:a ${key}:b x y z", 'SET "unbalanced', '', 'quit', 'PING')
        $screen | Should -BeLike "*$($cluster.Seed) (cluster)> *"
        $screen | Should -Match '(?m)^OK$'
        $screen | Should -BeLike '*"hello world"*'
        $screen | Should -BeLike '*(integer) 1*'
        $screen | Should -BeLike "*1) `"a`"`n2) `"b`"*"
        $screen | Should -BeLike '*(nil)*'
        $screen | Should -BeLike '*(error) CROSSSLOT*'
        $screen | Should -BeLike '*hash tag*'
        $screen | Should -BeLike '*Invalid argument(s)*'
        $screen | Should -BeLike '*-> served by 127.0.0.1:*'
        $screen | Should -Not -BeLike '*PONG*' -Because 'quit ends the prompt before PING'
        $screen | Should -Match '(?m)^after$'
    }

    It 'prints a nil array over RESP2 as (nil), like redis-cli' {
        $key = "cli:$(Get-Random)"
        $screen = Invoke-RedisCliSession -Arguments "-Endpoint $($cluster.Seed) -Protocol Resp2" -Lines @("BLPOP $key 0.1", "LRANGE $key 0 -1", 'quit')
        # The BLPOP timeout is *-1 over RESP2; the LRANGE of a missing key a real empty array.
        $screen | Should -Match "BLPOP [^`n]*`n\(nil\)`n"
        ([regex]::Matches($screen, [regex]::Escape('(empty array)'))).Count | Should -Be 1
    }

    It 'ends at the end of the input' {
        $screen = Invoke-RedisCliSession -Arguments "-Endpoint $($cluster.Seed)" -Lines @('PING')
        $screen | Should -BeLike '*PONG*'
        $screen | Should -Match '(?m)^after$'
    }
}
