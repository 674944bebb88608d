using System.Management.Automation;
using RedisCluster.Tests.Hosting;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Module;

/// <summary>
/// How Invoke-RedisCommand reports a connection that fails or a reply that does not come (the engine's
/// errors and timeouts surfaced by the cmdlet). Binding, pipelines and error records as a user sees them
/// are tests/Pester/InvokeRedisCommand.Tests.ps1's.
/// </summary>
[Collection(StandaloneCollection.Name)]
public sealed class InvokeRedisCommandTests : IDisposable
{
    private readonly StandaloneFixture _redis;
    private readonly PowerShellSession _ps = new();

    public InvokeRedisCommandTests(StandaloneFixture redis)
    {
        _redis = redis;
    }

    public void Dispose() => _ps.Dispose();

    [Fact]
    public void ConnectionFailureIsTerminating()
    {
        var (record, _) = _ps.RunExpectingTerminatingError("Invoke-RedisCommand PING -Endpoint 127.0.0.1:1 -ConnectTimeout 2");
        Assert.Equal(ErrorCategory.ConnectionError, record.CategoryInfo.Category);
        Assert.Contains("refused", record.Exception.Message);
    }

    [Fact]
    public void ASlowReplyTimesOutClearlyAndTheNextCallReconnects()
    {
        var (record, _) = _ps.RunExpectingTerminatingError(
            $"$c = Connect-Redis -Endpoint 127.0.0.1:{_redis.Server.Port} -CommandTimeout 1 -NoDefault; Invoke-RedisCommand 'DEBUG SLEEP 3' -Connection $c");
        Assert.Equal(ErrorCategory.OperationTimeout, record.CategoryInfo.Category);
        Assert.Contains("within 1 s", record.Exception.Message);
        // The server itself is asleep until DEBUG SLEEP ends: redis-cli's PING is answered only then (no fixed
        // wait). After that the broken connection is replaced.
        Assert.Equal("PONG", _redis.Server.Cli("PING"));
        Assert.Equal(new object?[] { "PONG" }, _ps.RunClean("Invoke-RedisCommand PING -Connection $c"));
    }
}
