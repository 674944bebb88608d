#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Owns Invoke-RedisTransaction and Invoke-RedisScript as a user drives them in pwsh: a counter several runspaces
# increment under WATCH with retries, the $tx object in the block, what an abort and a failed command look like
# (objects and error records), -WhatIf, script files by relative path, pipeline input, and misspelled parameters.
# WATCH, EXEC, NOSCRIPT and slot checks on the wire are the xunit tests' (tests/Unit/Transactions).

BeforeAll {
    $script:manifest = (Resolve-Path (Join-Path $PSScriptRoot '../../out/RedisCluster/RedisCluster.psd1')).Path
    Import-Module $manifest -Force
    Import-Module (Join-Path $PSScriptRoot 'TestServer.psm1') -Force
    $script:server = Start-TestRedis
    Connect-Redis -Endpoint $server.Endpoint | Out-Null
}

AfterAll {
    Disconnect-Redis
    Stop-TestRedis $server
}

Describe 'Invoke-RedisTransaction' {
    It 'ends at the exact total when four runspaces increment one counter under WATCH with retries' {
        Invoke-RedisCommand SET pester:tx:counter 0 | Out-Null
        $jobs = 1..4 | ForEach-Object {
            Start-ThreadJob -ArgumentList $manifest, $server.Endpoint -ScriptBlock {
                param($manifest, $endpoint)
                Import-Module $manifest
                $connection = Connect-Redis -Endpoint $endpoint -NoDefault
                $attempts = 0
                for ($i = 0; $i -lt 25; $i++) {
                    $result = Invoke-RedisTransaction -Connection $connection -Watch pester:tx:counter -RetryCount 10000 -Detailed {
                        param($tx)
                        $value = [long]$tx.Read('GET pester:tx:counter')
                        $tx.Queue('SET', 'pester:tx:counter', $value + 1)
                    }
                    if (-not $result.Committed) { throw "not committed: $($result.Status)" }
                    $attempts += $result.Attempts
                }
                Disconnect-Redis -Connection $connection
                $attempts
            }
        }
        $attempts = $jobs | Wait-Job | Receive-Job -ErrorAction Stop
        $jobs | Remove-Job
        @($attempts).Count | Should -Be 4
        Invoke-RedisCommand GET pester:tx:counter | Should -Be '100'
        ($attempts | Measure-Object -Sum).Sum | Should -BeGreaterOrEqual 100
    }

    It 'writes the EXEC replies in order, one object per command, and reads through $_ as well as param($tx)' {
        Invoke-RedisCommand DEL pester:tx:list | Out-Null
        $replies = Invoke-RedisTransaction {
            $_.Queue('RPUSH pester:tx:list a b')
            $_.Queue('LRANGE', 'pester:tx:list', 0, -1)
            $_.Queue('LLEN pester:tx:list')
        }
        $replies.Count | Should -Be 3
        $replies[0] | Should -Be 2
        $replies[1] | Should -Be @('a', 'b')
        $replies[2] | Should -Be 2
    }

    It 'passes -ArgumentList to the block after the transaction' {
        Invoke-RedisTransaction -ArgumentList 'pester:tx:arg', 'value' { param($tx, $key, $value) $tx.Queue('SET', $key, $value) } | Should -Be 'OK'
        Invoke-RedisCommand GET pester:tx:arg | Should -Be 'value'
    }

    It 'reports a command that failed inside EXEC on its own, in its place, while the others ran' {
        Invoke-RedisCommand SET pester:tx:text abc | Out-Null
        Invoke-RedisCommand DEL pester:tx:n | Out-Null
        $replies = Invoke-RedisTransaction { $_.Queue('INCR pester:tx:text'); $_.Queue('INCR pester:tx:n') } -ErrorVariable failed -ErrorAction SilentlyContinue
        $replies.Count | Should -Be 2
        $replies[0].GetType().Name | Should -Be 'RedisErrorReply'
        $replies[1] | Should -Be 1
        $failed.Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'RedisServerError.ERR,*'
        $failed[0].ErrorDetails.Message | Should -BeLike '*command 1 of 2 in the transaction*INCR pester:tx:text*'
    }

    It 'reports an abort as an error record a script can test, and as a Status with -Detailed' {
        Invoke-RedisCommand SET pester:tx:watched 1 | Out-Null
        $other = Connect-Redis -Endpoint $server.Endpoint -NoDefault
        $output = Invoke-RedisTransaction -Watch pester:tx:watched {
            param($tx)
            $null = $tx.Read('GET pester:tx:watched')
            Invoke-RedisCommand INCR pester:tx:watched -Connection $other | Out-Null
            $tx.Queue('SET pester:tx:watched mine')
        } -ErrorVariable aborted -ErrorAction SilentlyContinue
        $output | Should -BeNullOrEmpty
        $aborted.Count | Should -Be 1
        $aborted[0].FullyQualifiedErrorId | Should -BeLike 'RedisTransactionAborted,*'
        $aborted[0].CategoryInfo.Category | Should -Be 'ResourceBusy'
        $aborted[0].Exception.Message | Should -BeLike '*watched key (pester:tx:watched) changed*'

        $result = Invoke-RedisTransaction -Watch pester:tx:watched -Detailed {
            param($tx)
            $null = $tx.Read('GET pester:tx:watched')
            Invoke-RedisCommand INCR pester:tx:watched -Connection $other | Out-Null
            $tx.Queue('SET pester:tx:watched mine')
        }
        Disconnect-Redis -Connection $other
        $result.Status | Should -Be 'Aborted'
        $result.Committed | Should -BeFalse
        Invoke-RedisCommand GET pester:tx:watched | Should -Be '3'
        ($result | Out-String) | Should -Match 'Status\s+Attempts'
    }

    It 'sends nothing under -WhatIf, and -Detailed reports the transaction as declined' {
        Invoke-RedisCommand DEL pester:tx:whatif | Out-Null
        Invoke-RedisTransaction { $_.Queue('SET pester:tx:whatif 1') } -WhatIf | Should -BeNullOrEmpty
        Invoke-RedisCommand EXISTS pester:tx:whatif | Should -Be 0
        $result = Invoke-RedisTransaction { $_.Queue('SET pester:tx:whatif 1') } -WhatIf -Detailed
        $result.Status | Should -Be 'Declined'
        $result.Commands | Should -Be 'SET pester:tx:whatif 1'
    }

    It 'stops with the block''s own error, having run nothing it queued' {
        Invoke-RedisCommand DEL pester:tx:thrown | Out-Null
        { Invoke-RedisTransaction { $_.Queue('SET pester:tx:thrown 1'); throw 'not enough stock' } } | Should -Throw 'not enough stock'
        Invoke-RedisCommand EXISTS pester:tx:thrown | Should -Be 0
    }

    It 'refuses a misspelled parameter at binding, running nothing' {
        Invoke-RedisCommand DEL pester:tx:bind | Out-Null
        { Invoke-RedisTransaction -Wach pester:tx:bind { $_.Queue('SET pester:tx:bind 1') } } | Should -Throw -ErrorId 'NamedParameterNotFound,RedisCluster.PowerShell.Commands.InvokeRedisTransactionCommand'
        { Invoke-RedisTransaction -RetryCont 3 { $_.Queue('SET pester:tx:bind 1') } } | Should -Throw -ErrorId 'NamedParameterNotFound,*'
        Invoke-RedisCommand EXISTS pester:tx:bind | Should -Be 0
    }
}

Describe 'Invoke-RedisScript' {
    It 'runs a script file given by a path relative to the current location' {
        $folder = Join-Path $TestDrive 'lua'
        New-Item -ItemType Directory -Path $folder -Force | Out-Null
        Set-Content -Path (Join-Path $folder 'add.lua') -Value "return redis.call('INCRBY', KEYS[1], ARGV[1])"
        Invoke-RedisCommand DEL pester:script:n | Out-Null
        Push-Location $TestDrive
        try {
            Invoke-RedisScript -Path lua/add.lua -Key pester:script:n -Argument 5 | Should -Be 5
            Invoke-RedisCommand SCRIPT FLUSH | Out-Null
            Invoke-RedisScript -Path ./lua/add.lua -Key pester:script:n -Argument 2 | Should -Be 7
            { Invoke-RedisScript -Path lua/missing.lua -Key k } | Should -Throw -ErrorId 'RedisScriptFileNotFound,*'
        }
        finally { Pop-Location }
    }

    It 'runs once per piped object, keys by property name, replies in input order' {
        $keys = 1..5 | ForEach-Object { [pscustomobject]@{ Key = "pester:script:p$_" } }
        $replies = $keys | Invoke-RedisScript -Script "redis.call('SET', KEYS[1], ARGV[1]) return KEYS[1]" -Argument 'x'
        $replies | Should -Be @($keys.Key)
        Invoke-RedisCommand GET pester:script:p3 | Should -Be 'x'
    }

    It 'unrolls an array reply unless -NoEnumerate, like Invoke-RedisCommand' {
        @(Invoke-RedisScript -Script 'return {1, 2, 3}').Count | Should -Be 3
        @(Invoke-RedisScript -Script 'return {1, 2, 3}' -NoEnumerate).Count | Should -Be 1
    }

    It 'reports a script error as a non-terminating error and goes on with the next input' {
        $replies = 'pester:script:e1', 'pester:script:e2' | ForEach-Object { [pscustomobject]@{ Key = $_ } } |
            Invoke-RedisScript -Script "if KEYS[1] == 'pester:script:e1' then return redis.error_reply('ERR nope') end return 'fine'" -ErrorVariable failed -ErrorAction SilentlyContinue
        $replies | Should -Be 'fine'
        $failed.Count | Should -Be 1
        $failed[0].Exception.Message | Should -Be 'ERR nope'
    }

    It 'sends nothing under -WhatIf' {
        Invoke-RedisCommand DEL pester:script:whatif | Out-Null
        Invoke-RedisScript -Script "return redis.call('SET', KEYS[1], 1)" -Key pester:script:whatif -WhatIf
        Invoke-RedisCommand EXISTS pester:script:whatif | Should -Be 0
    }

    It 'needs exactly one of -Script, -Path and -Function' {
        { Invoke-RedisScript -Key k } | Should -Throw -ErrorId 'RedisScriptMissing,*'
        { Invoke-RedisScript -Script 'return 1' -Function f } | Should -Throw -ErrorId 'RedisScriptAmbiguous,*'
    }

    It 'refuses a misspelled parameter at binding' {
        { Invoke-RedisScript -Scirpt 'return 1' } | Should -Throw -ErrorId 'NamedParameterNotFound,*'
        { Invoke-RedisScript 'return 1' -Keys k } | Should -Throw -ErrorId 'NamedParameterNotFound,*'
    }
}

Describe 'Transactions and scripts on a Redis Cluster' {
    BeforeAll {
        $script:cluster = Start-TestRedisCluster -ReplicasPerPrimary 0
        $script:clusterConnection = Connect-Redis -Endpoint $cluster.Seed -NoDefault
    }

    AfterAll {
        Disconnect-Redis -Connection $clusterConnection
        Stop-TestRedisCluster $cluster
    }

    It 'runs a transaction of one hash tag and tells where it ran' {
        $result = Invoke-RedisTransaction -Connection $clusterConnection -Watch '{pester:order}:total' -Detailed {
            param($tx)
            $total = [long]$tx.Read('GET {pester:order}:total')
            $tx.Queue('SET', '{pester:order}:total', $total + 10)
            $tx.Queue('RPUSH {pester:order}:items widget')
        }
        $result.Committed | Should -BeTrue
        $result.Slot | Should -Be (Invoke-RedisCommand CLUSTER KEYSLOT '{pester:order}:total' -Connection $clusterConnection)
        $result.Node | Should -Not -BeNullOrEmpty
    }

    It 'refuses keys of several slots before sending, with the CROSSSLOT explanation' {
        { Invoke-RedisTransaction -Connection $clusterConnection { $_.Queue('INCR pester:a'); $_.Queue('INCR pester:b') } } |
            Should -Throw -ErrorId 'RedisCrossSlot,*'
        try { Invoke-RedisTransaction -Connection $clusterConnection { $_.Queue('INCR pester:a'); $_.Queue('INCR pester:b') } }
        catch { $refused = $_ }
        $refused.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $refused.Exception.Message | Should -BeLike "CROSSSLOT*'pester:b' is in slot*hash tag*"
        Invoke-RedisCommand EXISTS pester:a -Connection $clusterConnection | Should -Be 0

        Invoke-RedisScript -Connection $clusterConnection -Script 'return 1' -Key pester:a, pester:b -ErrorVariable crossed -ErrorAction SilentlyContinue
        $crossed[0].FullyQualifiedErrorId | Should -BeLike 'RedisServerError.CROSSSLOT,*'
    }
}
