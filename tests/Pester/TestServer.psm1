# Starts and stops throwaway redis-server processes for the Pester specs (same rules as the xunit fixture:
# loopback only, free ports, stopped by pid).

function Get-FreePort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

function Start-TestRedis {
    param([string[]] $ExtraConfig = @())
    $server = Get-Command redis-server -ErrorAction SilentlyContinue
    if (-not $server) { throw 'redis-server not found: install it with apt-get install -y redis-server redis-tools' }
    $port = Get-FreePort
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

Export-ModuleMember -Function Start-TestRedis, Stop-TestRedis, Get-FreePort
