using System.Collections.Specialized;
using System.Management.Automation;
using RedisCluster.Tests.Hosting;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Module;

/// <summary>Invoke-RedisCommand driven through the imported module against a real standalone server.</summary>
[Collection(StandaloneCollection.Name)]
public sealed class InvokeRedisCommandTests : IDisposable
{
    private readonly StandaloneFixture _redis;
    private readonly PowerShellSession _ps = new();

    public InvokeRedisCommandTests(StandaloneFixture redis)
    {
        _redis = redis;
        _ps.RunClean($"Connect-Redis -Endpoint 127.0.0.1:{_redis.Server.Port} | Out-Null");
    }

    public void Dispose() => _ps.Dispose();

    private static string Key(string name) => "ps:" + name + ":" + Guid.NewGuid().ToString("N");

    [Fact]
    public void SetThenGetRoundTripsAString()
    {
        string key = Key("roundtrip");
        var output = _ps.RunClean($"Invoke-RedisCommand 'SET {key} \"hello world\"'; Invoke-RedisCommand GET {key}");
        Assert.Equal(new object?[] { "OK", "hello world" }, output);
    }

    [Fact]
    public void ArgumentsAsArrayAreSentUnparsed()
    {
        string key = Key("array");
        var output = _ps.RunClean($"Invoke-RedisCommand -Command @('SET', '{key}', 'a \"quoted\" value'); Invoke-RedisCommand GET {key}");
        Assert.Equal("a \"quoted\" value", output[1]);
    }

    [Fact]
    public void RepliesMapToNaturalTypes()
    {
        string key = Key("types");
        var output = _ps.RunClean($@"
            Invoke-RedisCommand RPUSH {key} a b c | Out-Null
            $n = Invoke-RedisCommand LLEN {key}
            $list = @(Invoke-RedisCommand LRANGE {key} 0 -1)
            $missing = Invoke-RedisCommand GET {key}:missing
            $n; $list.Count; $null -eq $missing
            Invoke-RedisCommand HSET {key}:h f1 v1 f2 v2 | Out-Null
            Invoke-RedisCommand HGETALL {key}:h
            Invoke-RedisCommand ZADD {key}:z 1.5 m | Out-Null
            Invoke-RedisCommand ZSCORE {key}:z m");
        Assert.Equal(3L, output[0]);
        Assert.Equal(3, output[1]);
        Assert.Equal(true, output[2]);
        var map = Assert.IsType<OrderedDictionary>(output[3]);
        Assert.Equal("v1", map["f1"]);
        Assert.Equal("v2", map["f2"]);
        Assert.Equal(1.5, output[4]);
    }

    [Fact]
    public void ArrayRepliesUnrollUnlessNoEnumerate()
    {
        string key = Key("enum");
        var output = _ps.RunClean($@"
            Invoke-RedisCommand RPUSH {key} x y | Out-Null
            (Invoke-RedisCommand LRANGE {key} 0 -1 | ForEach-Object {{ $_ }}).Count
            (Invoke-RedisCommand LRANGE {key} 0 -1 -NoEnumerate | ForEach-Object {{ 'one' }}).Count");
        Assert.Equal(new object?[] { 2, 1 }, output.Select(o => (object?)Convert.ToInt32(o)).ToArray());
    }

    [Fact]
    public void TenThousandPipedCommandsComeBackInOrder()
    {
        string key = Key("pipe");
        var output = _ps.RunClean($@"
            $replies = 1..10000 | ForEach-Object {{ ""RPUSH {key} $_"" }} | Invoke-RedisCommand
            $i = 0; $ordered = $true
            foreach ($r in $replies) {{ $i++; if ($r -ne $i) {{ $ordered = $false }} }}
            $ordered; $replies.Count
            $items = Invoke-RedisCommand LRANGE {key} 0 -1
            $items[0]; $items[9999]");
        Assert.Equal(new object?[] { true, 10000, "1", "10000" }, output);
    }

    [Fact]
    public void ObjectsWithACommandPropertyArePiped()
    {
        string key = Key("objects");
        var output = _ps.RunClean($@"
            [pscustomobject]@{{ Command = 'SET {key} v1' }}, [pscustomobject]@{{ Command = @('GET', '{key}') }} | Invoke-RedisCommand");
        Assert.Equal(new object?[] { "OK", "v1" }, output);
    }

    [Fact]
    public void ErrorRepliesAreNonTerminatingErrorRecords()
    {
        string key = Key("wrongtype");
        var result = _ps.Run($@"
            Invoke-RedisCommand RPUSH {key} a | Out-Null
            Invoke-RedisCommand GET {key}
            Invoke-RedisCommand PING");
        Assert.Null(result.Terminating);
        Assert.Equal(new object?[] { "PONG" }, result.Values);
        var error = Assert.Single(result.Errors);
        Assert.Equal(ErrorCategory.InvalidType, error.CategoryInfo.Category);
        Assert.StartsWith("RedisServerError.WRONGTYPE", error.FullyQualifiedErrorId);
        Assert.Contains("WRONGTYPE", error.Exception.Message);
        Assert.Contains("GET " + key, error.TargetObject?.ToString());
    }

    [Fact]
    public void UnbalancedQuotesAreAnInvalidArgumentForThatItemOnly()
    {
        var result = _ps.Run("'PING', 'SET k \"unterminated', 'ECHO after' | Invoke-RedisCommand");
        Assert.Null(result.Terminating);
        Assert.Equal(new object?[] { "PONG", "after" }, result.Values);
        var error = Assert.Single(result.Errors);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
    }

    [Fact]
    public void AsBytesReturnsBinaryValuesIntact()
    {
        string key = Key("bytes");
        var output = _ps.RunClean($@"
            $bytes = [byte[]](0, 255, 13, 10, 128)
            Invoke-RedisCommand -Command @('SET', '{key}', $bytes) | Out-Null
            $back = Invoke-RedisCommand GET {key} -AsBytes
            $back.GetType().Name; $back.Length; $back[1]");
        Assert.Equal(new object?[] { "Byte[]", 5, (byte)255 }, output);
    }

    [Fact]
    public void DetailedEmitsReplyObjects()
    {
        string key = Key("detailed");
        var output = _ps.RunClean($"Invoke-RedisCommand SET {key} v -Detailed");
        dynamic reply = output.Single()!;
        Assert.Equal("OK", (string)reply.Value);
        Assert.Equal("SimpleString", (string)reply.Type);
        Assert.Equal($"127.0.0.1:{_redis.Server.Port}", (string)reply.Endpoint);
        Assert.Equal($"SET {key} v", (string)reply.Command);
        Assert.True(((TimeSpan)reply.Elapsed) >= TimeSpan.Zero);
    }

    [Fact]
    public void ConnectionFailureIsTerminating()
    {
        var (record, _) = _ps.RunExpectingTerminatingError("Invoke-RedisCommand PING -Endpoint 127.0.0.1:1 -ConnectTimeout 2");
        Assert.Equal(ErrorCategory.ConnectionError, record.CategoryInfo.Category);
        Assert.Contains("refused", record.Exception.Message);
    }

    [Fact]
    public void GetCommandListsTheCmdlets()
    {
        var names = _ps.RunClean("Get-Command -Module RedisCluster | ForEach-Object Name").Cast<string>().ToList();
        Assert.Contains("Connect-Redis", names);
        Assert.Contains("Disconnect-Redis", names);
        Assert.Contains("Invoke-RedisCommand", names);
    }

    [Fact]
    public void DisconnectClosesTheDefaultConnection()
    {
        var result = _ps.Run($@"
            $c = Connect-Redis -Endpoint 127.0.0.1:{_redis.Server.Port}
            Disconnect-Redis
            $c.IsDisposed");
        Assert.Equal(new object?[] { true }, result.Values);
    }

    [Fact]
    public void ConnectionStateLastsFromOneCallToTheNext()
    {
        string key = Key("select");
        var output = _ps.RunClean($@"
            Invoke-RedisCommand SELECT 3 | Out-Null
            Invoke-RedisCommand SET {key} in-db-3 | Out-Null
            Invoke-RedisCommand GET {key}
            Invoke-RedisCommand SELECT 0 | Out-Null
            $null -eq (Invoke-RedisCommand GET {key})
            Invoke-RedisCommand MULTI | Out-Null
            Invoke-RedisCommand INCR {key}:n
            Invoke-RedisCommand EXEC");
        Assert.Equal(new object?[] { "in-db-3", true, "QUEUED", 1L }, output);
    }

    [Fact]
    public void AConnectionPipedInIsUsedWithItsSettings()
    {
        var output = _ps.RunClean($@"
            $c = Connect-Redis -Endpoint 127.0.0.1:{_redis.Server.Port} -Database 2 -NoDefault
            $c | Invoke-RedisCommand SET piped:db 2 | Out-Null
            $c | Invoke-RedisCommand GET piped:db
            'PING', 'ECHO still-commands' | Invoke-RedisCommand");
        Assert.Equal(new object?[] { "2", "PONG", "still-commands" }, output);
    }

    [Fact]
    public void ASlowReplyTimesOutClearlyAndTheNextCallReconnects()
    {
        var (record, _) = _ps.RunExpectingTerminatingError(
            $"$c = Connect-Redis -Endpoint 127.0.0.1:{_redis.Server.Port} -CommandTimeout 1 -NoDefault; Invoke-RedisCommand 'DEBUG SLEEP 3' -Connection $c");
        Assert.Equal(ErrorCategory.OperationTimeout, record.CategoryInfo.Category);
        Assert.Contains("within 1 s", record.Exception.Message);
        // The server itself is asleep until DEBUG SLEEP ends; then the broken connection is replaced.
        Assert.Equal(new object?[] { "PONG" }, _ps.RunClean("[System.Threading.Thread]::Sleep(2500); Invoke-RedisCommand PING -Connection $c"));
    }

    [Fact]
    public void WhatIfSendsNothing()
    {
        string key = Key("whatif");
        var output = _ps.RunClean($@"
            Invoke-RedisCommand SET {key} alive | Out-Null
            Invoke-RedisCommand DEL {key} -WhatIf
            Invoke-RedisCommand GET {key}");
        Assert.Equal(new object?[] { "alive" }, output);
    }
}
