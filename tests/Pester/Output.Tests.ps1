#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Every object the module emits, through what a user pipes it to: Format-Table, Format-List, ConvertTo-Csv,
# ConvertTo-Json and Export-Clixml. Nothing may show a raw .NET type name, block, or carry a password.
# A standalone server with an ACL user and a 3-primary cluster, on 127.0.0.1, stopped by process id.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../out/RedisCluster/RedisCluster.psd1') -Force
    Import-Module (Join-Path $PSScriptRoot 'TestServer.psm1') -Force

    $script:password = 'Out-S3cret-pw!'
    $script:cred = [pscredential]::new('alice', (ConvertTo-SecureString $password -AsPlainText -Force))
    $script:server = Start-TestRedis -ExtraConfig @("user alice on >$password ~* &* +@all")
    $script:cluster = Start-TestRedisCluster
    $script:tempDir = Join-Path ([System.IO.Path]::GetTempPath()) "rc-pester-output-$PID"
    New-Item -ItemType Directory -Path $tempDir -Force | Out-Null

    # What a console shows, without the header colours.
    function Show([Parameter(ValueFromPipeline)] $InputObject, [switch] $List) {
        begin { $items = [System.Collections.Generic.List[object]]::new() }
        process { $items.Add($InputObject) }
        end {
            $text = if ($List) { $items | Format-List | Out-String -Width 250 } else { $items | Format-Table | Out-String -Width 250 }
            $text -replace "`e\[[0-9;]*m", ''
        }
    }

    # A .NET type name where a value should be: what ToString() gives for a type that does not override it.
    $script:typeName = 'RedisCluster\.(Engine|PowerShell)\.|System\.(Collections|Threading|Net|Object\[|String\[)'

    # Every property value reachable through Get-Member (public properties), as text, to a depth.
    function Get-ReachableText($Value, [int] $Depth = 6, [System.Collections.Generic.HashSet[object]] $Seen = $null) {
        if ($null -eq $Seen) { $Seen = [System.Collections.Generic.HashSet[object]]::new([System.Collections.Generic.ReferenceEqualityComparer]::Instance) }
        if ($null -eq $Value -or $Depth -lt 0) { return }
        "$Value"
        if ($Value -is [string] -or $Value.GetType().IsPrimitive -or $Value -is [enum] -or -not $Seen.Add($Value)) { return }
        if ($Value -is [System.Collections.IEnumerable] -and $Value -isnot [System.Collections.IDictionary]) {
            foreach ($item in $Value) { Get-ReachableText $item ($Depth - 1) $Seen }
            return
        }
        foreach ($member in (Get-Member -InputObject $Value -MemberType Property)) {
            $inner = try { $Value.($member.Name) } catch { $null }
            if ($inner -is [securestring]) { [System.Net.NetworkCredential]::new('', $inner).Password }
            Get-ReachableText $inner ($Depth - 1) $Seen
        }
    }

    function Assert-NoPassword($Object) {
        ($Object | ConvertTo-Json -Depth 6 -WarningAction SilentlyContinue) | Should -Not -Match ([regex]::Escape($password))
        $file = Join-Path $tempDir ([guid]::NewGuid().ToString() + '.xml')
        $Object | Export-Clixml -Path $file -Depth 6
        $xml = Get-Content $file -Raw
        $xml | Should -Not -Match ([regex]::Escape($password))
        # A SecureString in CliXml is only encoded on this platform, not encrypted: none may be there at all.
        $xml | Should -Not -Match '<SS'
        (Get-ReachableText $Object) -join "`n" | Should -Not -Match ([regex]::Escape($password))
    }
}

AfterAll {
    Get-RedisTunnel | Stop-RedisTunnel
    Disconnect-Redis
    Stop-TestRedis $server
    Stop-TestRedisCluster $cluster
    Remove-Item $tempDir -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Connect-Redis output' {
    BeforeAll {
        $script:standalone = Connect-Redis -Endpoint $server.Endpoint -Credential $cred -NoDefault
        $script:clustered = Connect-Redis -Endpoint $cluster.Seed -NoDefault
    }

    It 'shows endpoint, mode, version and security in a table' {
        $text = $clustered | Show
        $text | Should -Match 'Endpoint\s+Mode\s+Version\s+Protocol\s+User\s+Tls\s+Database'
        $text | Should -Match "$([regex]::Escape($cluster.Seed))\s+cluster\s+7\.\d+\.\d+\s+RESP3\s+\(none\)\s+False\s+0"
    }

    It 'reads well as a list' {
        $text = $standalone | Show -List
        $text | Should -Not -Match $typeName
        $text | Should -Match 'Options\s+:\s+\S'
        $text | Should -Match 'Hello\s+:\s+redis 7\.\d+\.\d+'
        $text | Should -Match 'User\s+:\s+alice'
        $clusterText = $clustered | Show -List
        $clusterText | Should -Not -Match $typeName
        $clusterText | Should -Match 'Commands\s+:\s+\d+ commands'
        $clusterText | Should -Match 'Topology\s+:\s+3 primaries'
    }

    It 'gives readable CSV cells' {
        foreach ($c in $standalone, $clustered) {
            $row = $c | ConvertTo-Csv | ConvertFrom-Csv
            ($row.PSObject.Properties.Value -join "`n") | Should -Not -Match $typeName
            $row.Options | Should -Match 'pool 2'
        }
        ($clustered | ConvertTo-Csv | ConvertFrom-Csv).Commands | Should -Match '^\d+ commands$'
    }

    It 'converts to JSON without type names' {
        $json = $standalone | ConvertTo-Json -Depth 2 -WarningAction SilentlyContinue
        $json | Should -Not -Match $typeName
        ($json | ConvertFrom-Json).Options.Connection.User | Should -Be 'alice'
        ($json | ConvertFrom-Json).Options.Connection.HasPassword | Should -BeTrue
    }

    It 'converts a cluster connection to JSON without type names, whatever the depth' {
        # Where the depth ends, ConvertTo-Json writes an object's text: every level must have a readable one.
        foreach ($depth in 1..5) {
            ($clustered | ConvertTo-Json -Depth $depth -WarningAction SilentlyContinue) | Should -Not -Match $typeName -Because "depth $depth"
        }
    }

    It 'never carries the password: JSON, CliXml and every property reachable through Get-Member' {
        Assert-NoPassword $standalone
    }

    It 'exposes no credential object to read the password from' {
        $standalone.Options.Connection.PSObject.Properties.Name | Should -Not -Contain 'Credential'
        $standalone.Options.Connection.PSObject.Properties.Name | Should -Not -Contain 'ClientCertificatePassword'
    }
}

Describe 'Get-RedisClusterNode output' {
    BeforeAll {
        $script:nodes = @(Get-RedisClusterNode -Endpoint $cluster.Seed)
    }

    It 'shows roles and slots in a table' {
        $text = $nodes | Show
        $text | Should -Match 'Id\s+Endpoint\s+Role\s+Primary\s+Slots\s+Health\s+Offset'
        $text | Should -Match 'Primary\s+0-\d+\s+Online'
        $text | Should -Match 'Replica\s+[0-9a-f]{8}'
    }

    It 'reads well as a list' {
        $text = $nodes | Show -List
        $text | Should -Not -Match $typeName
        $text | Should -Match 'Slots\s+:\s+0-\d+'
        $text | Should -Match 'SlotCount\s+:\s+546[01]'
    }

    It 'writes slots as ranges and flags joined with commas in CSV' {
        $rows = $nodes | ConvertTo-Csv | ConvertFrom-Csv
        ($rows | ForEach-Object { $_.PSObject.Properties.Value }) -join "`n" | Should -Not -Match $typeName
        $primaries = @($rows | Where-Object Role -EQ 'Primary')
        $primaries.Count | Should -Be 3
        $primaries.Slots | Should -Match '^\d+(-\d+)?(,\d+(-\d+)?)*$'
        $primaries.Slots | Should -Contain '0-5460'
    }

    It 'writes the CLUSTER NODES flags joined with commas' {
        # Redis 7 answers CLUSTER SHARDS, which has no flags; a node read from CLUSTER NODES has them.
        $node = [RedisCluster.Engine.Cluster.ClusterNode]::new('0123456789abcdef0123456789abcdef01234567', $null, '127.0.0.1', $null, 7000, $null,
            'Primary', $null, [RedisCluster.Engine.Cluster.SlotRange[]]@([RedisCluster.Engine.Cluster.SlotRange]::new(0, 5460), [RedisCluster.Engine.Cluster.SlotRange]::new(10923, 10923)),
            'Online', 0, [string[]]@('myself', 'master'), $true)
        $row = $node | ConvertTo-Csv | ConvertFrom-Csv
        $row.Flags | Should -Be 'myself,master'
        $row.Slots | Should -Be '0-5460,10923'
        $node | Show -List | Should -Match 'Flags\s+:\s+myself,master'
    }

    It 'keeps slots as objects in JSON' {
        $json = $nodes | ConvertTo-Json -Depth 4 | ConvertFrom-Json
        $primary = $json | Where-Object { $_.Slots.Count -gt 0 } | Select-Object -First 1
        $primary.Slots[0].Start | Should -BeOfType [long]
        ($nodes | ConvertTo-Json -Depth 4) | Should -Not -Match $typeName
    }
}

Describe 'Get-RedisKey and Invoke-RedisCommand -Detailed output' {
    BeforeAll {
        Invoke-RedisCommand SET out:k1 hello -Endpoint $cluster.Seed | Out-Null
        Invoke-RedisCommand RPUSH out:list a b c -Endpoint $cluster.Seed | Out-Null
        $script:keys = @(Get-RedisKey -Pattern 'out:k1' -Endpoint $cluster.Seed)
        $script:detailed = @(
            Invoke-RedisCommand GET out:k1 -Detailed -Endpoint $cluster.Seed
            Invoke-RedisCommand LRANGE out:list 0 -1 -Detailed -Endpoint $cluster.Seed
        )
    }

    It 'shows keys with slot and node in a table and a list' {
        $keys | Show | Should -Match 'out:k1\s+\d+\s+127\.0\.0\.1:\d+'
        $text = $keys | Show -List
        $text | Should -Match 'Key\s+:\s+out:k1'
        $text | Should -Match 'Slot\s+:\s+\d+'
        ($keys | ConvertTo-Csv | ConvertFrom-Csv).Node | Should -Match '^127\.0\.0\.1:\d+$'
    }

    It 'shows detailed replies with node, slot and time in a table and a list' {
        $text = $detailed | Show
        $text | Should -Match 'Command\s+Value\s+Type\s+Endpoint\s+Slot\s+Ms'
        $text | Should -Match 'GET out:k1\s+hello\s+BulkString\s+127\.0\.0\.1:\d+\s+\d+\s+\d'
        $list = $detailed | Show -List
        $list | Should -Match 'Command\s+:\s+LRANGE out:list 0 -1'
        $list | Should -Match 'Elapsed\s+:\s+[\d.]+ ms'
        $list | Should -Not -Match $typeName
    }

    It 'writes array replies as their items in CSV and keeps them an array in JSON' {
        $rows = $detailed | ConvertTo-Csv | ConvertFrom-Csv
        $rows[1].Value | Should -Be 'a, b, c'
        ($rows | ForEach-Object { $_.PSObject.Properties.Value }) -join "`n" | Should -Not -Match $typeName
        (($detailed[1] | ConvertTo-Json) | ConvertFrom-Json).Value | Should -Be @('a', 'b', 'c')
    }
}

Describe 'Start-RedisFill output' {
    BeforeAll {
        $script:fill = Start-RedisFill -Endpoint $cluster.Seed -SizeMB 4 -KeySize 32 -ValueSize 480
    }

    It 'shows throughput in a table and per-node shares' {
        $text = $fill | Show
        $text | Should -Match 'Target\s+Mode\s+Keys\s+MB\s+Seconds\s+MB/s\s+Keys/s\s+Conns\s+Completed\s+Shortfall'
        $text | Should -Match 'cluster\s+8,192\s+4\.0\s+[\d.]+\s+[\d.]+\s+[\d,]+\s+6\s+True\s+0'
        $nodesText = $fill.Nodes | Show
        $nodesText | Should -Match 'Node\s+Slots\s+Keys\s+MB\s+Share\s+KeysFound'
        $nodesText | Should -Match '127\.0\.0\.1:\d+\s+546[01]\s+[\d,]+\s+1\.\d\s+3\d\.\d\s?%'
    }

    It 'reads well as a list, per-node figures included' {
        $text = $fill | Show -List
        $text | Should -Not -Match $typeName
        $text | Should -Match 'Nodes\s+:\s+127\.0\.0\.1:\d+ [\d,]+ keys'
        $fill.Nodes | Show -List | Should -Match 'Share\s+:\s+3\d\.\d\s?%'
    }

    It 'writes the nodes as text in CSV and as objects in JSON' {
        $row = $fill | ConvertTo-Csv | ConvertFrom-Csv
        ($row.PSObject.Properties.Value -join "`n") | Should -Not -Match $typeName
        $row.Nodes | Should -Match '^127\.0\.0\.1:\d+ [\d,]+ keys .*; 127\.0\.0\.1:\d+ [\d,]+ keys .*; 127\.0\.0\.1:\d+'
        $json = $fill | ConvertTo-Json -Depth 3 | ConvertFrom-Json
        $json.Nodes.Count | Should -Be 3
        ($json.Nodes | Measure-Object -Property Keys -Sum).Sum | Should -Be 8192
    }

    It 'never carries the password of the connection it filled' {
        Assert-NoPassword (Start-RedisFill -Endpoint $server.Endpoint -Credential $cred -SizeMB 1)
    }
}

Describe 'Start-RedisTunnel and Get-RedisTunnel output' {
    BeforeAll {
        $script:tunnel = Start-RedisTunnel -Endpoint $server.Endpoint -Credential $cred -ListenPort 0 -Name out-standalone -PassThru
        $script:smart = Start-RedisTunnel -Endpoint $cluster.Seed -Mode Smart -ListenPort 0 -Name out-smart -PassThru
    }

    AfterAll {
        $tunnel, $smart | Stop-RedisTunnel
    }

    It 'converts a running tunnel to JSON without waiting for it to stop' {
        # In a runspace of its own, so that a conversion that waits for the tunnel cannot hang the run: the
        # tunnel keeps running throughout, so waiting for it would never end. A hung conversion is released
        # by stopping the tunnel, after the test has failed.
        $ps = [powershell]::Create().AddCommand('ConvertTo-Json').AddParameter('InputObject', $tunnel).AddParameter('Depth', 3).AddParameter('WarningAction', 'SilentlyContinue')
        $pending = $ps.BeginInvoke()
        try {
            $pending.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(120)) | Should -BeTrue -Because 'ConvertTo-Json of a running tunnel must not wait for it to stop'
            $json = $ps.EndInvoke($pending) -join "`n"
            $json | Should -Not -Match $typeName
            ($json | ConvertFrom-Json).Name | Should -Be 'out-standalone'
            $tunnel.State | Should -Be 'Running'
        }
        finally {
            if (-not $pending.IsCompleted) { $tunnel | Stop-RedisTunnel; $null = $pending.AsyncWaitHandle.WaitOne() }
            $ps.Dispose()
        }
    }

    It 'has no task or other property that blocks or throws on read' {
        foreach ($t in $tunnel, $smart) {
            foreach ($p in $t.PSObject.Properties) {
                $p.TypeNameOfValue | Should -Not -Match 'System\.Threading\.Tasks\.Task'
                { $null = $p.Value } | Should -Not -Throw
            }
        }
    }

    It 'shows tunnels in a table' {
        $text = Get-RedisTunnel | Show
        $text | Should -Match 'Id\s+Name\s+Mode\s+State\s+Listen\s+Upstream\s+Clients\s+Commands\s+Errors'
        $text | Should -Match 'out-standalone\s+Standalone\s+Running\s+127\.0\.0\.1:\d+'
        $text | Should -Match 'out-smart\s+Smart\s+Running'
    }

    It 'reads well as a list' {
        $text = Get-RedisTunnel -Name out-standalone | Show -List
        $text | Should -Not -Match $typeName
        $text | Should -Match 'Listeners\s+:\s+127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+'
        $text | Should -Match 'Statistics\s+:\s+clients \d+'
        $text | Should -Match 'User\s+:\s+alice'
        $tunnel.Listeners | Show -List | Should -Match 'LocalEndpoint\s+:\s+127\.0\.0\.1:\d+'
        $tunnel.Statistics | Show -List | Should -Match 'UpstreamConnections\s+:\s+\d+'
    }

    It 'gives readable CSV cells' {
        foreach ($t in $tunnel, $smart) {
            $row = $t | ConvertTo-Csv | ConvertFrom-Csv
            ($row.PSObject.Properties.Value -join "`n") | Should -Not -Match $typeName
            $row.Listeners | Should -Match '^127\.0\.0\.1:\d+ -> '
            $row.Statistics | Should -Match '^clients \d+'
        }
    }

    It 'never carries the password it authenticates with' {
        Assert-NoPassword $tunnel
        Assert-NoPassword (Get-RedisTunnel -Name out-standalone)
    }
}

Describe 'Test-RedisCluster, Move-RedisSlot, Copy-RedisKey, Invoke-RedisTransaction and message output' {
    BeforeAll {
        # What a user pipes these to: a list, a CSV file (Export-Csv writes what ConvertTo-Csv gives) and JSON.
        function Assert-Readable($Object, [string] $What) {
            $Object | Show -List | Should -Not -Match $typeName -Because "$What as a list"
            ($Object | ConvertTo-Csv) -join "`n" | Should -Not -Match $typeName -Because "$What in CSV"
            $Object | ConvertTo-Json -Depth 4 -WarningAction SilentlyContinue | Should -Not -Match $typeName -Because "$What in JSON"
        }

        $script:plain = Connect-Redis -Endpoint $server.Endpoint -Credential $cred -NoDefault
    }

    It 'writes a cluster check''s nodes, slots and problems as text' {
        $check = Test-RedisCluster $cluster.Seed
        Assert-Readable $check 'Test-RedisCluster'
        $row = $check | ConvertTo-Csv | ConvertFrom-Csv
        $row.Nodes | Should -Match '^127\.0\.0\.1:\d+ primary \w+'
        $row.UncoveredSlots | Should -BeNullOrEmpty
        $row.Problems | Should -BeNullOrEmpty
    }

    It 'writes the slots of a slot move as ranges' {
        $primaries = Get-RedisClusterNode -Endpoint $cluster.Seed | Where-Object IsPrimary
        $owner = $primaries | Where-Object { $_.Slots | Where-Object { $_.Contains(100) } }
        $other = $primaries | Where-Object Id -NE $owner.Id | Select-Object -First 1
        $moved = Move-RedisSlot -Slot '100-102' -Destination $other -Cluster $cluster.Seed -Confirm:$false
        try {
            Assert-Readable $moved 'Move-RedisSlot'
            ($moved | ConvertTo-Csv | ConvertFrom-Csv).Slots | Should -Be '100-102'
            $moved | Show -List | Should -Match 'Slots\s+: 100-102'
        }
        finally {
            $null = Move-RedisSlot -Slot '100-102' -Destination $owner -Cluster $cluster.Seed -Confirm:$false
            (Test-RedisCluster $cluster.Seed -Wait -Timeout 120).IsHealthy | Should -BeTrue
        }
    }

    It 'writes a key copy and its nodes as text' {
        Invoke-RedisCommand -Connection $plain SET out:copy value | Out-Null
        $target = Connect-Redis -Endpoint $cluster.Seed -NoDefault
        $copy = Copy-RedisKey -Source $plain -Destination $target -Pattern 'out:copy'
        Assert-Readable $copy 'Copy-RedisKey'
        Assert-Readable $copy.Nodes 'Copy-RedisKey nodes'
        ($copy | ConvertTo-Csv | ConvertFrom-Csv).Nodes | Should -Match "^$([regex]::Escape($server.Endpoint)) 1 copied"
    }

    It 'writes a transaction''s commands, replies and watched keys as text' {
        $tx = Invoke-RedisTransaction -Connection $plain -Watch out:tx -Detailed {
            param($tx)
            $tx.Queue('DEL', 'out:tx', 'out:list'); $tx.Queue('INCR', 'out:tx'); $tx.Queue('RPUSH', 'out:list', 'a', 'b'); $tx.Queue('LRANGE', 'out:list', 0, -1)
        }
        Assert-Readable $tx 'Invoke-RedisTransaction -Detailed'
        $row = $tx | ConvertTo-Csv | ConvertFrom-Csv
        $row.Commands | Should -Be 'DEL out:tx out:list; INCR out:tx; RPUSH out:list a b; LRANGE out:list 0 -1'
        $row.Replies | Should -Be '0, 1, 2, a, b'
        $row.Watched | Should -Be 'out:tx'
        $tx.Replies[3] | Should -Be @('a', 'b')
        $tx | Show -List | Should -Match 'Commands\s+: DEL out:tx out:list; INCR out:tx'
    }

    It 'writes published and received messages as text' {
        Assert-Readable (Send-RedisMessage -Connection $plain -Channel out:nobody -Message hi) 'Send-RedisMessage'
        $publisher = Start-ThreadJob -ArgumentList $server.Port, $password, (Join-Path $PSScriptRoot 'TestServer.psm1') {
            param($port, $password, $helpers)
            Import-Module $helpers
            Wait-Until { (& redis-cli -p $port --user alice --pass $password --no-auth-warning PUBSUB NUMSUB out:ch)[1] -eq '1' } -Because 'a subscriber on out:ch'
            & redis-cli -p $port --user alice --pass $password --no-auth-warning PUBLISH out:ch hello | Out-Null
        }
        $message = Receive-RedisMessage -Connection $plain -Channel out:ch -Count 1
        $publisher | Wait-Job | Receive-Job -ErrorAction Stop
        Assert-Readable $message 'Receive-RedisMessage'
        ($message | ConvertTo-Csv | ConvertFrom-Csv).Message | Should -Be 'hello'
    }
}
