using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Routing;
using RedisCluster.Engine.Transactions;
using RedisCluster.Tests.Infrastructure;
using RedisCluster.Tests.Routing;
using Xunit;

namespace RedisCluster.Tests.Transactions;

/// <summary>Transactions on a real 3x1 cluster: one slot, run on its primary, refused before sending otherwise.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterTransactionTests : IDisposable
{
    private readonly ClusterRedisClient _client;

    public ClusterTransactionTests(ClusterFixture fixture) => _client = ClusterClients.Open(fixture.Cluster, new CapturingLog());

    public void Dispose() => _client.Dispose();

    private static string Tag(string name) => "{tx:" + name + ":" + Guid.NewGuid().ToString("N")[..8] + "}";

    /// <summary>Two keys that hash to slots owned by different primaries.</summary>
    private (string, string) KeysOnTwoPrimaries(string name)
    {
        var keys = ClusterClients.KeysOnEveryPrimary("tx:" + name + ":" + Guid.NewGuid().ToString("N")[..8], _client, perPrimary: 1);
        return (keys[0], keys[1]);
    }

    [Fact]
    public void ATransactionRunsOnThePrimaryOfItsSlot()
    {
        string tag = Tag("owner");
        string a = tag + ":a", b = tag + ":b";
        _client.Run("SET", a, "1");

        RedisTransactionOutcome outcome = _client.Transact(new[] { a }, tx =>
        {
            long seen = long.Parse(tx.Read("GET", a).GetString()!);
            tx.Queue("SET", a, (seen + 1).ToString());
            tx.Queue("SET", b, "x");
            tx.Queue("MGET", a, b);
        });

        Assert.Equal(TransactionStatus.Committed, outcome.Status);
        Assert.Equal(HashSlot.GetSlot(a), outcome.Slot);
        Assert.Equal(_client.OwnerOf(a), outcome.Node);
        Assert.Equal(new[] { "2", "x" }, outcome.Replies[2].Value.Items.Select(i => i.GetString()));
    }

    [Fact]
    public void WatchAbortsWhenAnotherClientChangesTheKey()
    {
        string key = Tag("watch") + ":n";
        _client.Run("SET", key, "1");

        RedisTransactionOutcome outcome = _client.Transact(new[] { key }, tx =>
        {
            tx.Read("GET", key);
            _client.Run("SET", key, "other"); // the pooled connection is another client for the server
            tx.Queue("SET", key, "mine");
        });

        Assert.Equal(TransactionStatus.Aborted, outcome.Status);
        Assert.Equal("other", _client.Run("GET", key).GetString());
    }

    [Fact]
    public void QueuedKeysOfAnotherSlotAreRefusedBeforeAnythingIsSent()
    {
        var (first, second) = KeysOnTwoPrimaries("cross");
        long multis = _client.CallsOnPrimaries("MULTI");
        long execs = _client.CallsOnPrimaries("EXEC");

        var error = Assert.Throws<RedisCrossSlotException>(() => _client.Transact(Array.Empty<string>(), tx =>
        {
            tx.Queue("INCR", first);
            tx.Queue("INCR", second);
        }));

        Assert.StartsWith("CROSSSLOT", error.Message);
        Assert.Contains("'" + second + "' is in slot " + HashSlot.GetSlot(second), error.Message);
        Assert.Contains("hash tag", error.Message);
        Assert.Equal(multis, _client.CallsOnPrimaries("MULTI"));
        Assert.Equal(execs, _client.CallsOnPrimaries("EXEC"));
        Assert.True(_client.Run("GET", first).IsNull);
    }

    [Fact]
    public void WatchedKeysOfSeveralSlotsAreRefusedBeforeAnythingIsSent()
    {
        var (first, second) = KeysOnTwoPrimaries("crosswatch");
        long watches = _client.CallsOnPrimaries("WATCH");
        bool ran = false;

        var error = Assert.Throws<RedisCrossSlotException>(() => _client.Transact(new[] { first, second }, tx => ran = true));

        Assert.Contains("WATCH needs all its keys in one slot", error.Message);
        Assert.False(ran);
        Assert.Equal(watches, _client.CallsOnPrimaries("WATCH"));
    }

    [Fact]
    public void AFailedCommandInsideExecIsReportedForItselfOnACluster()
    {
        string tag = Tag("percommand");
        _client.Run("SET", tag + ":text", "abc");

        RedisTransactionOutcome outcome = _client.Transact(Array.Empty<string>(), tx =>
        {
            tx.Queue("INCR", tag + ":text");
            tx.Queue("INCR", tag + ":n");
        });

        Assert.Equal(TransactionStatus.Committed, outcome.Status);
        Assert.True(outcome.Replies[0].Value.IsError);
        Assert.Equal(1, outcome.Replies[1].Value.Integer);
    }
}
