# Runs a script in a NEW pwsh process (the same pwsh as this one) with an environment of the spec's choosing,
# so that what a user's session already holds (modules, loaded assemblies, PSResourceGet settings) cannot
# leak in. The child writes one JSON object as its last line of output; that object is the result.

function Get-PwshCommandLine {
    # pwsh started as 'dotnet pwsh.dll' (the pinned .NET tool) reports dotnet as its process: start the dll.
    $process = (Get-Process -Id $PID).Path
    if ([System.IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') {
        return [pscustomobject]@{ File = $process; Prefix = @(Join-Path $PSHOME 'pwsh.dll') }
    }
    [pscustomobject]@{ File = $process; Prefix = @() }
}

function Invoke-FreshPwsh {
    param(
        [Parameter(Mandatory)] [string] $Script,
        # Variables set (or, with $null, removed) in the child's environment.
        [hashtable] $Environment = @{},
        # Only against a hang: a loaded machine must never come near it.
        [int] $TimeoutSeconds = 600
    )
    $file = Join-Path ([System.IO.Path]::GetTempPath()) "rc-pester-child-$([guid]::NewGuid().ToString('n')).ps1"
    Set-Content -Path $file -Value $Script -Encoding utf8
    try {
        $pwsh = Get-PwshCommandLine
        $start = [System.Diagnostics.ProcessStartInfo]::new($pwsh.File)
        foreach ($argument in @($pwsh.Prefix) + @('-NoProfile', '-NonInteractive', '-File', $file)) { $start.ArgumentList.Add($argument) }
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $start.UseShellExecute = $false
        foreach ($name in $Environment.Keys) {
            if ($null -eq $Environment[$name]) { [void]$start.Environment.Remove($name) } else { $start.Environment[$name] = [string]$Environment[$name] }
        }
        $process = [System.Diagnostics.Process]::Start($start)
        try {
            # Both streams are drained at once, so a child that fills one cannot block on it.
            $stdout = $process.StandardOutput.ReadToEndAsync()
            $stderr = $process.StandardError.ReadToEndAsync()
            if (-not $process.WaitForExit($TimeoutSeconds * 1000)) {
                $process.Kill($true)
                throw "The child pwsh did not finish within $TimeoutSeconds s. Output so far: $($stdout.Result)"
            }
            $process.WaitForExit()
            $output = $stdout.Result
            $json = ($output -split "`r?`n" | Where-Object { $_ -like '{*' } | Select-Object -Last 1)
            if ($process.ExitCode -ne 0 -or -not $json) {
                throw "The child pwsh failed (exit code $($process.ExitCode)).`n--- stdout`n$output`n--- stderr`n$($stderr.Result)"
            }
            $json | ConvertFrom-Json
        }
        finally { $process.Dispose() }
    }
    finally { Remove-Item $file -ErrorAction SilentlyContinue }
}

function New-IsolatedHome {
    # An empty HOME with the XDG folders under it: the child's PSResourceGet settings, its CurrentUser module
    # folder and its caches all land here (Linux and macOS; on Windows these come from the user profile).
    $dir = Join-Path ([System.IO.Path]::GetTempPath()) "rc-pester-home-$([guid]::NewGuid().ToString('n'))"
    # They must exist: .NET answers an empty path for a special folder that does not, and PSResourceGet then
    # writes its settings relative to the current directory.
    foreach ($sub in '.local/share/powershell/Modules', '.config', '.cache') {
        New-Item -ItemType Directory -Path (Join-Path $dir $sub) -Force | Out-Null
    }
    [pscustomobject]@{
        Path        = $dir
        Modules     = Join-Path $dir '.local/share/powershell/Modules'
        Environment = @{
            HOME             = $dir
            XDG_DATA_HOME    = Join-Path $dir '.local/share'
            XDG_CONFIG_HOME  = Join-Path $dir '.config'
            XDG_CACHE_HOME   = Join-Path $dir '.cache'
            PSModulePath     = Join-Path $dir '.local/share/powershell/Modules'
            POWERSHELL_TELEMETRY_OPTOUT = '1'
        }
    }
}

function Get-NuGetPackagesFolder {
    if ($env:NUGET_PACKAGES) { return $env:NUGET_PACKAGES }
    $line = & dotnet nuget locals global-packages --list
    ($line -replace '^\s*global-packages:\s*', '').Trim()
}

Export-ModuleMember -Function Invoke-FreshPwsh, New-IsolatedHome, Get-NuGetPackagesFolder
