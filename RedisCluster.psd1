@{
    RootModule           = 'RedisCluster.PowerShell.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = 'd977e53e-ddf3-46cc-94ee-a93e0bd2a421'
    Author               = 'RedisCluster contributors'
    CompanyName          = 'RedisCluster'
    Copyright            = '(c) RedisCluster contributors. MIT License.'
    Description          = 'Run commands against Redis and Redis Cluster (TLS, ACL auth), fill caches with data, and tunnel TLS-protected clusters to plaintext local endpoints.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    FormatsToProcess     = @('RedisCluster.Format.ps1xml')
    CmdletsToExport      = @(
        'Connect-Redis'
        'Disconnect-Redis'
        'Enter-RedisCli'
        'Get-RedisClusterNode'
        'Get-RedisKey'
        'Invoke-RedisCommand'
        'Receive-RedisMessage'
        'Send-RedisMessage'
        'Start-RedisFill'
        'Start-RedisTunnel'
        'Get-RedisTunnel'
        'Stop-RedisTunnel'
        'New-RedisCluster'
        'Test-RedisCluster'
        'Add-RedisClusterNode'
        'Remove-RedisClusterNode'
        'Invoke-RedisFailover'
        'Invoke-RedisTransaction'
        'Invoke-RedisScript'
        'Copy-RedisKey'
        'Move-RedisSlot'
        'Optimize-RedisCluster'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Redis', 'RedisCluster', 'Cache', 'TLS', 'Tunnel', 'Linux', 'Windows', 'PSEdition_Core', 'PSEdition_Desktop')
            LicenseUri   = 'https://opensource.org/licenses/MIT'
            ProjectUri   = 'https://github.com/RedisCluster/RedisCluster'
            # The build replaces this line in the staged manifest with the top section of CHANGELOG.md.
            ReleaseNotes = 'See CHANGELOG.md'
        }
    }
}
