# Starts and stops throwaway redis-server processes for the Pester specs (same rules as the xunit fixture:
# loopback only, free ports, stopped by pid).

function Get-FreePort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

function Start-TestRedis {
    param([string[]] $ExtraConfig = @(), [int] $Port = 0)
    $server = Get-Command redis-server -ErrorAction SilentlyContinue
    if (-not $server) { throw 'redis-server not found: install it with apt-get install -y redis-server redis-tools' }
    $port = if ($Port) { $Port } else { Get-FreePort }
    $dir = Join-Path ([System.IO.Path]::GetTempPath()) "rc-pester-$port"
    New-Item -ItemType Directory -Path $dir -Force | Out-Null
    $conf = @(
        "port $port", 'bind 127.0.0.1', 'save ""', 'appendonly no', "dir $dir", 'daemonize no',
        'protected-mode no', "logfile $dir/redis.log"
    ) + $ExtraConfig
    Set-Content -Path "$dir/redis.conf" -Value $conf
    $process = Start-Process -FilePath $server.Source -ArgumentList "$dir/redis.conf" -PassThru
    $deadline = [DateTime]::UtcNow.AddSeconds(10)
    while ([DateTime]::UtcNow -lt $deadline) {
        try {
            $client = [System.Net.Sockets.TcpClient]::new('127.0.0.1', $port)
            $client.Dispose()
            return [pscustomobject]@{ Port = $port; Process = $process; Directory = $dir; Endpoint = "127.0.0.1:$port" }
        }
        catch { Start-Sleep -Milliseconds 100 }
    }
    $process | Stop-Process -Force
    throw "redis-server did not start on port ${port}: $(Get-Content "$dir/redis.log" -Tail 20 -ErrorAction SilentlyContinue)"
}

function Stop-TestRedis {
    param($Server)
    if ($Server) {
        $Server.Process | Stop-Process -Force -ErrorAction SilentlyContinue
        Remove-Item $Server.Directory -Recurse -Force -ErrorAction SilentlyContinue
    }
}

function New-TestCertificates {
    # A CA, a server certificate for 127.0.0.1/localhost (serverAuth + clientAuth) and a client certificate, via openssl.
    param([string] $Directory = (Join-Path ([System.IO.Path]::GetTempPath()) "rc-pester-certs-$PID"))
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

function Start-TestRedisCluster {
    # 3 primaries with one replica each, created with redis-cli --cluster create (bounded by a timeout).
    $nodes = 1..6 | ForEach-Object {
        $port = Get-Random -Minimum 12000 -Maximum 20000
        Start-TestRedis -ExtraConfig @('cluster-enabled yes', "cluster-config-file nodes-$port.conf", 'cluster-node-timeout 3000', 'repl-diskless-sync-delay 0')
    }
    $endpoints = $nodes | ForEach-Object Endpoint
    $create = Start-Process redis-cli -ArgumentList (@('--cluster', 'create') + $endpoints + @('--cluster-replicas', '1', '--cluster-yes')) -PassThru -NoNewWindow -RedirectStandardOutput (Join-Path $nodes[0].Directory 'create.log')
    if (-not $create.WaitForExit(60000)) { $create | Stop-Process -Force; throw 'redis-cli --cluster create did not finish within 60 s' }
    $deadline = [DateTime]::UtcNow.AddSeconds(30)
    do {
        Start-Sleep -Milliseconds 200
        $ok = @($nodes | Where-Object { (& redis-cli -p $_.Port cluster info) -match 'cluster_state:ok' }).Count -eq $nodes.Count
    } until ($ok -or [DateTime]::UtcNow -gt $deadline)
    if (-not $ok) { throw 'the test cluster did not reach cluster_state:ok' }
    [pscustomobject]@{ Nodes = $nodes; Seed = $nodes[0].Endpoint }
}

function Stop-TestRedisCluster {
    param($Cluster)
    if ($Cluster) { $Cluster.Nodes | ForEach-Object { Stop-TestRedis $_ } }
}

Export-ModuleMember -Function Start-TestRedis, Stop-TestRedis, Get-FreePort, Start-TestRedisCluster, Stop-TestRedisCluster, New-TestCertificates
