# Runs Start-RedisTunnel (standalone mode) the way a user runs it: in pwsh, from the imported module, until
# the process is stopped. The password comes from BENCH_REDIS_PASSWORD so that it never shows in a process
# listing. Prints "READY <port> <pid>" once clients can connect.
param(
    [Parameter(Mandatory)] [string] $Module,
    [Parameter(Mandatory)] [string] $Endpoint,
    [Parameter(Mandatory)] [string] $CaCertificatePath,
    [Parameter(Mandatory)] [string] $User,
    [Parameter(Mandatory)] [int] $ListenPort
)
$ErrorActionPreference = 'Stop'
Import-Module $Module
# Any build stages the module, Debug ones too: figures of unoptimised code would mislead.
$engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'RedisCluster.Engine' }
if ($engine.GetCustomAttributes([System.Diagnostics.DebuggableAttribute], $false) | Where-Object IsJITOptimizerDisabled) {
    throw "The module at $Module is a Debug build; build it with -c Release (or ./build.ps1 -Task Build) before benchmarking."
}
$password = ConvertTo-SecureString $env:BENCH_REDIS_PASSWORD -AsPlainText -Force
$credential = [pscredential]::new($User, $password)
$null = Start-RedisTunnel -Mode Standalone -Endpoint $Endpoint -Tls -CaCertificatePath $CaCertificatePath -Credential $credential -ListenPort $ListenPort -PassThru
"READY $ListenPort $PID"
while ($true) { Start-Sleep -Seconds 1 }
