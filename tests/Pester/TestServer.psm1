# Starts and stops throwaway redis-server processes for the Pester specs and the tour, with the xunit
# fixtures' rules (tests/Unit/Infrastructure/FreePorts.cs): loopback only, ports below the ephemeral range
# so that no outgoing connection can take a port picked but not yet bound, a cluster node's bus port
# (+10000) free too, never the same port twice in one session, and every process stopped by its pid.

$script:handedOut = [System.Collections.Generic.HashSet[int]]::new()
$script:busPortOffset = 10000

function Test-PortFree([int] $Port) {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, $Port)
    try { $listener.Start(); $true } catch { $false } finally { $listener.Stop() }
}

function Get-FreePort {
    # A port for a server in 10000-22767 (its bus port then stays below 32768, where the kernel's ephemeral range starts).
    param([switch] $WithBusPort)
    for ($attempt = 0; $attempt -lt 1000; $attempt++) {
        $port = Get-Random -Minimum 10000 -Maximum 22768
        $bus = $port + $script:busPortOffset
        if ($script:handedOut.Contains($port) -or ($WithBusPort -and $script:handedOut.Contains($bus))) { continue }
        if (-not (Test-PortFree $port) -or ($WithBusPort -and -not (Test-PortFree $bus))) { continue }
        [void]$script:handedOut.Add($port)
        if ($WithBusPort) { [void]$script:handedOut.Add($bus) }
        return $port
    }
    throw 'No free loopback port found in 10000-22767 after 1000 attempts.'
}

function Get-FreeListenerPort {
    # A port for a tunnel listener, in 23000-32000: away from the servers' ports and below the ephemeral range.
    for ($attempt = 0; $attempt -lt 1000; $attempt++) {
        $port = Get-Random -Minimum 23000 -Maximum 32000
        if (-not $script:handedOut.Contains($port) -and (Test-PortFree $port)) {
            [void]$script:handedOut.Add($port)
            return $port
        }
    }
    throw 'No free loopback port found in 23000-32000 after 1000 attempts.'
}

function Get-FreePortOffset {
    # An offset (possibly negative) that moves every given port to a free one below the ephemeral range that
    # nobody else was given: the local ports of a pinned tunnel (-PortOffset).
    param([int[]] $Ports)
    $min = [int]($Ports | Measure-Object -Minimum).Minimum
    $max = [int]($Ports | Measure-Object -Maximum).Maximum
    for ($attempt = 0; $attempt -lt 1000; $attempt++) {
        $offset = (Get-Random -Minimum 1024 -Maximum (32768 - ($max - $min))) - $min
        if (@($Ports | Where-Object { $script:handedOut.Contains($_ + $offset) -or -not (Test-PortFree ($_ + $offset)) }).Count -eq 0) {
            foreach ($p in $Ports) { [void]$script:handedOut.Add($p + $offset) }
            return $offset
        }
    }
    throw 'No free port offset found after 1000 attempts.'
}

function Wait-Until {
    # Polls a condition until it holds; the deadline only bounds a failure, it never decides a pass.
    param([scriptblock] $Condition, [int] $TimeoutSeconds = 60, [string] $Because = 'the condition')
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while (-not (& $Condition)) {
        if ([DateTime]::UtcNow -gt $deadline) { throw "Timed out after $TimeoutSeconds s waiting for $Because." }
        Start-Sleep -Milliseconds 100
    }
}

function Test-PortListening([int] $Port) {
    try { ([System.Net.Sockets.TcpClient]::new('127.0.0.1', $Port)).Dispose(); $true } catch { $false }
}

function Start-TestRedis {
    <#
    .SYNOPSIS
        Starts redis-server on a free loopback port. -Certificates (from New-TestCertificates) makes it a
        TLS-only server (port 0, tls-port); -Cluster enables cluster mode (the bus port is checked too).
    #>
    param(
        [string[]] $ExtraConfig = @(),
        [int] $Port = 0,
        [object] $Certificates,
        [switch] $Cluster
    )
    $server = Get-Command redis-server -ErrorAction SilentlyContinue
    if (-not $server) { throw 'redis-server not found: install it with apt-get install -y redis-server redis-tools' }

    # A port picked free can be taken by another process before redis binds it: pick again on "Address already in use".
    for ($try = 1; ; $try++) {
        $picked = if ($Port) { $Port } else { Get-FreePort -WithBusPort:$Cluster }
        $dir = Join-Path ([System.IO.Path]::GetTempPath()) "rc-pester-$PID-$picked"
        New-Item -ItemType Directory -Path $dir -Force | Out-Null
        $conf = @('bind 127.0.0.1', 'save ""', 'appendonly no', "dir $dir", 'daemonize no', 'protected-mode no',
            "logfile $dir/redis.log", 'repl-diskless-sync-delay 0')
        if ($Certificates) {
            $conf += @('port 0', "tls-port $picked", "tls-cert-file $($Certificates.ServerCert)", "tls-key-file $($Certificates.ServerKey)",
                "tls-ca-cert-file $($Certificates.Ca)", 'tls-auth-clients no')
        }
        else {
            $conf += "port $picked"
        }
        if ($Cluster) {
            # A generous node timeout: no spec fails a node over on purpose, and a loaded machine must not do it by accident.
            $conf += @('cluster-enabled yes', 'cluster-config-file nodes.conf', 'cluster-node-timeout 15000')
            if ($Certificates) { $conf += @('tls-cluster yes', 'tls-replication yes') }
        }
        Set-Content -Path "$dir/redis.conf" -Value ($conf + $ExtraConfig)
        $process = Start-Process -FilePath $server.Source -ArgumentList "$dir/redis.conf" -PassThru

        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        while (-not $process.HasExited -and -not (Test-PortListening $picked) -and [DateTime]::UtcNow -lt $deadline) {
            Start-Sleep -Milliseconds 50
        }
        if (-not $process.HasExited -and (Test-PortListening $picked)) {
            return [pscustomobject]@{ Port = $picked; Process = $process; Directory = $dir; Endpoint = "127.0.0.1:$picked" }
        }

        $log = Get-Content "$dir/redis.log" -Tail 20 -ErrorAction SilentlyContinue
        Stop-Process -Id $process.Id -Force -ErrorAction SilentlyContinue
        Remove-Item $dir -Recurse -Force -ErrorAction SilentlyContinue
        if ($Port -or $try -ge 5 -or -not ("$log" -match 'Address already in use')) {
            throw "redis-server did not start on port ${picked}: $log"
        }
    }
}

function Stop-TestRedis {
    param($Server)
    if ($Server) {
        Stop-Process -Id $Server.Process.Id -Force -ErrorAction SilentlyContinue
        # Wait for the pid to go so the directory is not in use (a zombie counts as gone).
        try { [void]$Server.Process.WaitForExit(10000) } catch { }
        Remove-Item $Server.Directory -Recurse -Force -ErrorAction SilentlyContinue
    }
}

function New-TestCertificates {
    # A CA, a server certificate for 127.0.0.1/localhost (serverAuth + clientAuth: cluster nodes present it as a
    # client certificate on the bus and for replication) and a client certificate, via openssl.
    param([string] $Directory = (Join-Path ([System.IO.Path]::GetTempPath()) "rc-pester-certs-$PID-$(Get-Random)"))
    New-Item -ItemType Directory -Path $Directory -Force | Out-Null
    $ext = Join-Path $Directory 'server.ext'
    Set-Content $ext "subjectAltName=IP:127.0.0.1,DNS:localhost`nextendedKeyUsage=serverAuth,clientAuth"
    $clientExt = Join-Path $Directory 'client.ext'
    Set-Content $clientExt 'extendedKeyUsage=clientAuth'
    $run = {
        param([string[]] $Arguments)
        & openssl @Arguments 2>&1 | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "openssl $($Arguments -join ' ') failed" }
    }
    & $run @('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=RedisCluster Test CA', '-keyout', "$Directory/ca.key", '-out', "$Directory/ca.pem")
    & $run @('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', "$Directory/server.key", '-out', "$Directory/server.csr")
    & $run @('x509', '-req', '-in', "$Directory/server.csr", '-CA', "$Directory/ca.pem", '-CAkey', "$Directory/ca.key", '-CAcreateserial', '-days', '2', '-extfile', $ext, '-out', "$Directory/server.pem")
    & $run @('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=client', '-keyout', "$Directory/client.key", '-out', "$Directory/client.csr")
    & $run @('x509', '-req', '-in', "$Directory/client.csr", '-CA', "$Directory/ca.pem", '-CAkey', "$Directory/ca.key", '-CAcreateserial', '-days', '2', '-extfile', $clientExt, '-out', "$Directory/client.pem")
    [pscustomobject]@{
        Directory  = $Directory
        Ca         = "$Directory/ca.pem"
        ServerCert = "$Directory/server.pem"
        ServerKey  = "$Directory/server.key"
        ClientCert = "$Directory/client.pem"
        ClientKey  = "$Directory/client.key"
    }
}

function Invoke-TestRedisCli {
    # redis-cli against one test node, over TLS and as the ACL user when the cluster has them.
    param([object] $Cluster, [int] $Port, [string[]] $Arguments)
    $options = @('-p', $Port)
    if ($Cluster.Certificates) { $options += @('--tls', '--cacert', $Cluster.Certificates.Ca) }
    if ($Cluster.User) { $options += @('--user', $Cluster.User, '--pass', $Cluster.Password, '--no-auth-warning') }
    & redis-cli @options @Arguments 2>$null
}

function Start-TestRedisCluster {
    <#
    .SYNOPSIS
        Starts a cluster of -Primaries primaries with -ReplicasPerPrimary replicas each (3x1 by default) and
        waits until every node reports cluster_state:ok and every replica's link is up. -Certificates makes it
        TLS-only (bus and replication too); -User/-Password add an ACL user that the nodes replicate as.
    #>
    param(
        [int] $Primaries = 3,
        [int] $ReplicasPerPrimary = 1,
        [object] $Certificates,
        [string] $User,
        [string] $Password,
        [int] $TimeoutSeconds = 90
    )
    $extra = @()
    if ($User) { $extra += @("user $User on >$Password ~* &* +@all", "masteruser $User", "masterauth $Password") }
    $count = $Primaries * (1 + $ReplicasPerPrimary)
    $nodes = @(1..$count | ForEach-Object { Start-TestRedis -Cluster -Certificates $Certificates -ExtraConfig $extra })
    $cluster = [pscustomobject]@{
        Nodes = $nodes; Seed = $nodes[0].Endpoint; Certificates = $Certificates; User = $User; Password = $Password
    }
    try {
        # redis-cli --cluster create waits forever when the bus cannot join (a certificate without clientAuth, for
        # one): bound it and say so.
        $arguments = @('--cluster', 'create') + ($nodes | ForEach-Object Endpoint) + @('--cluster-replicas', $ReplicasPerPrimary, '--cluster-yes')
        if ($Certificates) { $arguments = @('--tls', '--cacert', $Certificates.Ca) + $arguments }
        if ($User) { $arguments = @('--user', $User, '--pass', $Password, '--no-auth-warning') + $arguments }
        $log = Join-Path $nodes[0].Directory 'create.log'
        $create = Start-Process redis-cli -ArgumentList $arguments -PassThru -NoNewWindow -RedirectStandardOutput $log -RedirectStandardError "$log.err"
        if (-not $create.WaitForExit($TimeoutSeconds * 1000)) {
            Stop-Process -Id $create.Id -Force -ErrorAction SilentlyContinue
            throw "redis-cli --cluster create did not finish within $TimeoutSeconds s: $(Get-Content $log -Tail 5 -ErrorAction SilentlyContinue)"
        }
        if ($create.ExitCode -ne 0) { throw "redis-cli --cluster create failed: $(Get-Content $log, "$log.err" -ErrorAction SilentlyContinue)" }

        # redis-cli returns before every node has heard of every replica: wait until each node sees the intended
        # shape (primaries and replicas) with cluster_state:ok, and each replica's replication link is up.
        Wait-Until -TimeoutSeconds $TimeoutSeconds -Because "cluster_state:ok and $Primaries primaries with $ReplicasPerPrimary replica(s) each seen by every node, every replica link up" -Condition {
            foreach ($node in $nodes) {
                if (-not ((Invoke-TestRedisCli $cluster $node.Port @('CLUSTER', 'INFO')) -match 'cluster_state:ok')) { return $false }
                $lines = @(Invoke-TestRedisCli $cluster $node.Port @('CLUSTER', 'NODES'))
                if (@($lines | Where-Object { ($_ -split ' ')[2] -match 'master' }).Count -ne $Primaries) { return $false }
                if (@($lines | Where-Object { ($_ -split ' ')[2] -match 'slave' }).Count -ne $Primaries * $ReplicasPerPrimary) { return $false }
                $info = Invoke-TestRedisCli $cluster $node.Port @('INFO', 'replication')
                if (($info -match 'role:slave') -and -not ($info -match 'master_link_status:up')) { return $false }
            }
            $true
        }
        $cluster
    }
    catch {
        Stop-TestRedisCluster $cluster
        throw
    }
}

function Stop-TestRedisCluster {
    param($Cluster)
    if ($Cluster) { $Cluster.Nodes | ForEach-Object { Stop-TestRedis $_ } }
}

Export-ModuleMember -Function Start-TestRedis, Stop-TestRedis, Get-FreePort, Get-FreeListenerPort, Get-FreePortOffset, Test-PortListening, Wait-Until,
    Start-TestRedisCluster, Stop-TestRedisCluster, Invoke-TestRedisCli, New-TestCertificates
