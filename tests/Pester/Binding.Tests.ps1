#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# How real pwsh binds Invoke-RedisCommand's parameters: a parameter token that matches none of the cmdlet's
# parameters must never become Redis arguments, and arrays are sent as separate arguments.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../out/RedisCluster/RedisCluster.psd1') -Force
    Import-Module (Join-Path $PSScriptRoot 'TestServer.psm1') -Force
    $script:serverA = Start-TestRedis
    $script:serverB = Start-TestRedis
    Connect-Redis -Endpoint $serverA.Endpoint | Out-Null

    # Connections a server has accepted so far, read with redis-cli (which is itself one more connection).
    function Get-ConnectionCount($Server) {
        $line = & redis-cli -p $Server.Port INFO stats | Where-Object { $_ -like 'total_connections_received:*' }
        [int]($line -split ':')[1]
    }
}

AfterAll {
    Disconnect-Redis
    Stop-TestRedis $serverA
    Stop-TestRedis $serverB
}

Describe 'Invoke-RedisCommand parameter tokens that match no parameter' {
    BeforeEach {
        & redis-cli -p $serverA.Port SET victim here | Out-Null
        & redis-cli -p $serverB.Port SET victim here | Out-Null
    }

    It 'refuses a misspelled -Endpoint, suggests it, and sends nothing to either server' {
        $before = Get-ConnectionCount $serverB
        $thrown = $null
        try { Invoke-RedisCommand DEL victim -Endpiont $serverB.Endpoint } catch { $thrown = $_ }
        $thrown | Should -Not -BeNullOrEmpty
        $thrown.Exception.Message | Should -BeLike "*cannot be found that matches parameter name 'Endpiont'*Did you mean -Endpoint?*"
        $thrown.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $thrown.FullyQualifiedErrorId | Should -BeLike 'NamedParameterNotFound*'
        $thrown.Exception | Should -BeOfType ([System.Management.Automation.ParameterBindingException])
        # Only the count's own redis-cli connection arrived at B.
        (Get-ConnectionCount $serverB) - $before | Should -Be 1
        & redis-cli -p $serverA.Port EXISTS victim | Should -Be 1
        & redis-cli -p $serverB.Port EXISTS victim | Should -Be 1
    }

    It 'refuses it written with an en dash, as PowerShell reads that as a parameter too' {
        { Invoke-RedisCommand DEL victim –Endpiont $serverB.Endpoint } | Should -Throw -ExpectedMessage "*'Endpiont'*-Endpoint*"
        & redis-cli -p $serverA.Port EXISTS victim | Should -Be 1
    }

    It 'refuses it with -Endpiont:value too' {
        { Invoke-RedisCommand DEL victim -Endpiont:$($serverB.Endpoint) } | Should -Throw -ExpectedMessage "*'Endpiont'*-Endpoint*"
        & redis-cli -p $serverA.Port EXISTS victim | Should -Be 1
    }

    It 'sends none of the piped commands' {
        { 'SET piped:1 x', 'DEL victim' | Invoke-RedisCommand -Endpiont $serverB.Endpoint } | Should -Throw -ExpectedMessage "*'Endpiont'*"
        & redis-cli -p $serverA.Port EXISTS victim piped:1 | Should -Be 1
    }

    It 'suggests for a wrong abbreviation and for common parameters' {
        { Invoke-RedisCommand GET victim -Enpd $serverB.Endpoint } | Should -Throw -ExpectedMessage '*Did you mean -Endpoint?*'
        { Invoke-RedisCommand GET victim -Verbsoe } | Should -Throw -ExpectedMessage '*Did you mean -Verbose?*'
        { Invoke-RedisCommand GET victim -NoEnumrate } | Should -Throw -ExpectedMessage '*Did you mean -NoEnumerate?*'
    }

    It 'refuses an unknown parameter that resembles none, without a suggestion' {
        $thrown = $null
        try { Invoke-RedisCommand SET victim -xyzzy } catch { $thrown = $_ }
        $thrown.Exception.Message | Should -BeLike "*'xyzzy'*"
        $thrown.Exception.Message | Should -Not -BeLike '*Did you mean*'
        & redis-cli -p $serverA.Port GET victim | Should -Be 'here'
    }

    It 'refuses it through a wrapper function that splats $args' {
        function rc { Invoke-RedisCommand @args }
        { rc DEL victim -Endpiont $serverB.Endpoint } | Should -Throw -ExpectedMessage "*'Endpiont'*"
        & redis-cli -p $serverA.Port EXISTS victim | Should -Be 1
        rc GET victim | Should -Be 'here'
    }

    It 'refuses it from a splatted hash table' {
        # Not with -ArgumentList named in the table: PowerShell itself refuses -Endpiont then.
        $splat = @{ Command = 'DEL victim'; Endpiont = $serverB.Endpoint }
        { Invoke-RedisCommand @splat } | Should -Throw -ExpectedMessage "*'Endpiont'*"
        & redis-cli -p $serverA.Port EXISTS victim | Should -Be 1
    }

    It 'keeps -Endpoint, its abbreviation and its aliases working' {
        Invoke-RedisCommand DEL victim -Endp $serverB.Endpoint | Should -Be 1
        & redis-cli -p $serverA.Port EXISTS victim | Should -Be 1
        Invoke-RedisCommand EXISTS victim -Server $serverB.Endpoint | Should -Be 0
    }
}

Describe 'Invoke-RedisCommand arguments that start with a dash' {
    It 'sends negative numbers, - and + unquoted' {
        Invoke-RedisCommand DEL dash:l dash:s | Out-Null
        Invoke-RedisCommand RPUSH dash:l a b c | Out-Null
        Invoke-RedisCommand LRANGE dash:l 0 -1 | Should -Be @('a', 'b', 'c')
        Invoke-RedisCommand LRANGE dash:l -2 -1.5e0 -ErrorAction SilentlyContinue -ErrorVariable err | Out-Null
        $err[0].FullyQualifiedErrorId | Should -BeLike 'RedisServerError.ERR*'
        Invoke-RedisCommand XADD dash:s '1-1' f v | Out-Null
        (Invoke-RedisCommand XRANGE dash:s - + -NoEnumerate).Count | Should -Be 1
    }

    It 'sends quoted dash words and everything after --' {
        Invoke-RedisCommand DEL dash:z | Out-Null
        Invoke-RedisCommand ZADD dash:z 1 a 2 b | Out-Null
        Invoke-RedisCommand ZRANGEBYSCORE dash:z '-inf' '+inf' | Should -Be @('a', 'b')
        Invoke-RedisCommand -- ZRANGEBYSCORE dash:z -inf +inf | Should -Be @('a', 'b')
        Invoke-RedisCommand SET dash:k -- -foo | Should -Be 'OK'
        Invoke-RedisCommand GET dash:k | Should -Be '-foo'
        Invoke-RedisCommand SET dash:k '-Endpiont' | Should -Be 'OK'
        Invoke-RedisCommand GET dash:k | Should -Be '-Endpiont'
    }

    It 'leaves unquoted -inf to PowerShell, which finds it ambiguous' {
        { Invoke-RedisCommand ZRANGEBYSCORE dash:z -inf +inf } | Should -Throw -ExpectedMessage '*ambiguous*'
    }
}

Describe 'Invoke-RedisCommand arrays in the arguments' {
    BeforeAll {
        Invoke-RedisCommand MSET arr:a 1 arr:b 2 arr:c 3 | Out-Null
    }

    It 'sends each element of an array as its own argument' {
        $keys = 'arr:a', 'arr:b'
        Invoke-RedisCommand MGET $keys arr:c | Should -Be @('1', '2', '3')
        Invoke-RedisCommand DEL arr:set | Out-Null
        Invoke-RedisCommand SADD arr:set $keys | Should -Be 2
        Invoke-RedisCommand SISMEMBER arr:set 'arr:a arr:b' | Should -Be 0
    }

    It 'flattens nested arrays' {
        $inner = 'arr:b', 'arr:c'
        Invoke-RedisCommand MGET @('arr:a', $inner) | Should -Be @('1', '2', '3')
    }

    It 'writes numbers one argument each in the invariant culture' {
        $culture = [System.Globalization.CultureInfo]::CurrentCulture
        try {
            [System.Globalization.CultureInfo]::CurrentCulture = 'de-DE'
            Invoke-RedisCommand DEL arr:n | Out-Null
            $numbers = [object[]](1, 2.5, -3)
            Invoke-RedisCommand RPUSH arr:n $numbers | Should -Be 3
            Invoke-RedisCommand LRANGE arr:n 0 -1 | Should -Be @('1', '2.5', '-3')
        }
        finally { [System.Globalization.CultureInfo]::CurrentCulture = $culture }
    }

    It 'keeps a byte array as one binary argument, and an array of byte arrays as one argument each' {
        Invoke-RedisCommand DEL arr:bin arr:binl | Out-Null
        Invoke-RedisCommand SET arr:bin ([byte[]](0, 1, 2)) | Should -Be 'OK'
        Invoke-RedisCommand STRLEN arr:bin | Should -Be 3
        Invoke-RedisCommand RPUSH arr:binl ([byte[]](1, 2)), ([byte[]](3)) | Should -Be 2
    }

    It 'takes several keys from -Key' {
        Invoke-RedisCommand MGET -Key arr:a, arr:b | Should -Be @('1', '2')
    }

    It 'flattens an array given to -Command' {
        $keys = 'arr:a', 'arr:c'
        Invoke-RedisCommand -Command ('MGET', $keys) | Should -Be @('1', '3')
    }

    It 'still takes piped objects with Command, Key and Arguments' {
        Invoke-RedisCommand DEL arr:obj | Out-Null
        [pscustomobject]@{ Command = 'SADD'; Key = 'arr:obj'; Arguments = 'x', 'y' } | Invoke-RedisCommand | Should -Be 2
        @{ Command = 'SADD arr:obj'; Arguments = @('z', @('w')) } | Invoke-RedisCommand | Should -Be 2
        Invoke-RedisCommand SCARD arr:obj | Should -Be 4
    }

    It 'refuses a hash table as an argument instead of sending its type name' {
        Invoke-RedisCommand SET arr:h @{ a = 1 } -ErrorAction SilentlyContinue -ErrorVariable err | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'RedisInvalidCommandLine*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        Invoke-RedisCommand EXISTS arr:h | Should -Be 0
    }
}
