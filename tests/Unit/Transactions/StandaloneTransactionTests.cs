using RedisCluster.Engine.Client;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Transactions;
using RedisCluster.Tests.Infrastructure;
using RedisCluster.Tests.Routing;
using Xunit;

namespace RedisCluster.Tests.Transactions;

/// <summary>MULTI/EXEC with WATCH on a connection of its own, against a real standalone server.</summary>
[Collection(StandaloneCollection.Name)]
public sealed class StandaloneTransactionTests : IDisposable
{
    private readonly StandaloneFixture _redis;
    private readonly RedisClient _client;

    public StandaloneTransactionTests(StandaloneFixture redis)
    {
        _redis = redis;
        _client = LiveClients.OpenStandalone(redis.Server.Port);
    }

    public void Dispose() => _client.Dispose();

    private static string Key(string name) => "tx:" + name + ":" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public void WatchAbortsWhenAnotherClientChangesTheKey()
    {
        string key = Key("watched");
        _client.Run("SET", key, "10");

        RedisTransactionOutcome outcome = _client.Transact(new[] { key }, tx =>
        {
            long seen = tx.Read("GET", key).GetString() is { } text ? long.Parse(text) : 0;
            _redis.Server.Cli("SET", key, "500"); // another client (redis-cli) writes after WATCH
            tx.Queue("SET", key, (seen + 1).ToString());
        });

        Assert.Equal(TransactionStatus.Aborted, outcome.Status);
        Assert.Empty(outcome.Replies);
        Assert.Equal(1, outcome.Attempts);
        Assert.Equal("500", _client.Run("GET", key).GetString());
    }

    [Fact]
    public void AConflictRunsTheBlockAgainFromWatchUntilItCommits()
    {
        string key = Key("retry");
        _client.Run("SET", key, "10");
        var seenValues = new List<string?>();

        RedisTransactionOutcome outcome = _client.Transact(new[] { key }, tx =>
        {
            string? seen = tx.Read("GET", key).GetString();
            seenValues.Add(seen);
            if (tx.Attempt == 1)
            {
                _redis.Server.Cli("INCRBY", key, "100");
            }

            tx.Queue("SET", key, (long.Parse(seen!) + 1).ToString());
        }, retryCount: 3);

        Assert.Equal(TransactionStatus.Committed, outcome.Status);
        Assert.Equal(2, outcome.Attempts);
        Assert.Equal(new[] { "10", "110" }, seenValues);
        Assert.Equal("111", _client.Run("GET", key).GetString());
    }

    [Fact]
    public void AFailedCommandInsideExecIsReportedForItselfAndTheOthersRun()
    {
        string text = Key("text"), counter = Key("counter");
        _client.Run("SET", text, "not a number");

        RedisTransactionOutcome outcome = _client.Transact(Array.Empty<string>(), tx =>
        {
            tx.Queue("INCR", counter);
            tx.Queue("INCR", text);
            tx.Queue("INCR", counter);
        });

        Assert.Equal(TransactionStatus.Committed, outcome.Status);
        Assert.Equal(3, outcome.Replies.Count);
        Assert.Equal(1, outcome.Replies[0].Value.Integer);
        Assert.True(outcome.Replies[1].Value.IsError);
        Assert.Contains("not an integer", outcome.Replies[1].Value.GetString());
        Assert.Equal("INCR", outcome.Replies[1].Command.Name);
        Assert.Equal(2, outcome.Replies[2].Value.Integer);
        Assert.Equal("2", _client.Run("GET", counter).GetString());
    }

    [Fact]
    public void ACommandTheServerRefusesWhileQueuingRunsNothingAndIsNamed()
    {
        string counter = Key("refused");

        var error = Assert.Throws<RedisTransactionException>(() => _client.Transact(Array.Empty<string>(), tx =>
        {
            tx.Queue("INCR", counter);
            tx.Queue("INCR", counter, "extra");
        }));

        Assert.Contains("EXECABORT", error.Message);
        Assert.Contains("command 2 'INCR", error.Message);
        Assert.Contains("wrong number of arguments", error.Message);
        Assert.True(_client.Run("GET", counter).IsNull);
    }

    [Fact]
    public void ReadsThatWouldWriteOutsideTheTransactionAreRefused()
    {
        string key = Key("readwrite");
        var error = Assert.Throws<RedisTransactionException>(() => _client.Transact(new[] { key }, tx => tx.Read("SET", key, "1")));
        Assert.Contains("writes", error.Message);
        Assert.True(_client.Run("GET", key).IsNull);
    }

    [Fact]
    public void ABlockThatQueuesNothingSendsNoMultiAndLeavesNoWatchBehind()
    {
        string key = Key("empty");
        long multis = _client.Calls(_client.Endpoint, "MULTI");

        RedisTransactionOutcome outcome = _client.Transact(new[] { key }, tx => tx.Read("GET", key));

        Assert.Equal(TransactionStatus.NothingQueued, outcome.Status);
        Assert.Equal(multis, _client.Calls(_client.Endpoint, "MULTI"));

        // The pooled connection was never part of it: a MULTI/EXEC there is not aborted by the earlier WATCH.
        _client.Run("SET", key, "changed");
        Assert.Equal(TransactionStatus.Committed, _client.Transact(Array.Empty<string>(), tx => tx.Queue("GET", key)).Status);
    }
}
