using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Routing;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Routing;

/// <summary>Routing, splitting and fan-out against a real 3x1 cluster (read-mostly; keys are unique per test).</summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterRoutingTests : IDisposable
{
    private readonly CapturingLog _log = new();
    private readonly ClusterRedisClient _client;
    private readonly RedisClusterProcesses _cluster;

    public ClusterRoutingTests(ClusterFixture fixture)
    {
        _cluster = fixture.Cluster;
        _client = ClusterClients.Open(fixture.Cluster, _log);
    }

    public void Dispose() => _client.Dispose();

    private static string Prefix(string name) => "rt:" + name + ":" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public void DetectsTheClusterAndItsTopology()
    {
        Assert.True(_client.IsCluster);
        Assert.Equal(3, _client.Topology.Primaries.Count);
        Assert.Equal(3, _client.Topology.Replicas.Count);
        Assert.True(_client.Topology.CoversAllSlots);
    }

    [Fact]
    public void KeysAreWrittenToTheirOwnerWithoutRedirects()
    {
        string prefix = Prefix("owner");
        var keys = Enumerable.Range(0, 300).Select(i => prefix + ":" + i).ToList();
        var replies = _client.RunBatch(keys.Select(k => new[] { "SET", k, "v-" + k }));
        Assert.All(replies, r => Assert.Equal("OK", r.Value.GetString()));
        Assert.False(_log.Any("MOVED"), string.Join("\n", _log.Messages));

        foreach (string key in keys.Take(60))
        {
            var owner = _client.OwnerOf(key);
            Assert.Equal("v-" + key, _client.OnNode(owner, "GET", key).GetString());
        }

        var served = replies.Select(r => r.Endpoint).Distinct().Count();
        Assert.Equal(3, served);
    }

    [Fact]
    public void HashTagsColocateKeys()
    {
        string tag = "{" + Prefix("tag") + "}";
        var a = _client.RunDetailed("SET", tag + ".a", "1");
        var b = _client.RunDetailed("SET", tag + ".b", "2");
        Assert.Equal(a.Slot, b.Slot);
        Assert.Equal(a.Endpoint, b.Endpoint);
        Assert.Equal(2, _client.Run("EXISTS", tag + ".a", tag + ".b").Integer);
        Assert.Equal("OK", _client.Run("MSET", tag + ".c", "3", tag + ".d", "4").GetString());
    }

    [Fact]
    public void MultiKeyCommandsSpanAllPrimariesAndKeepOrder()
    {
        var keys = ClusterClients.KeysOnEveryPrimary(Prefix("multi"), _client);
        var mset = new List<string> { "MSET" };
        foreach (string key in keys)
        {
            mset.Add(key);
            mset.Add("value-of-" + key);
        }

        Assert.Equal("OK", _client.Run(mset.ToArray()).GetString());
        string missing = keys[0] + ":missing";
        var mget = _client.Run(new[] { "MGET" }.Concat(keys).Append(missing).ToArray());
        Assert.Equal(keys.Count + 1, mget.Items.Count);
        for (int i = 0; i < keys.Count; i++)
        {
            Assert.Equal("value-of-" + keys[i], mget.Items[i].GetString());
        }

        Assert.True(mget.Items[keys.Count].IsNull);
        Assert.Equal(keys.Count, _client.Run(new[] { "EXISTS" }.Concat(keys).Append(missing).ToArray()).Integer);
        Assert.Equal(keys.Count, _client.Run(new[] { "TOUCH" }.Concat(keys).ToArray()).Integer);
        Assert.Equal(2, _client.Run("UNLINK", keys[0], keys[1]).Integer);
        Assert.Equal(keys.Count - 2, _client.Run(new[] { "DEL" }.Concat(keys).ToArray()).Integer);
        Assert.Equal(0, _client.Run(new[] { "EXISTS" }.Concat(keys).ToArray()).Integer);
    }

    [Fact]
    public void MsetnxAcrossSlotsIsRefusedNotSplit()
    {
        var keys = ClusterClients.KeysOnEveryPrimary(Prefix("msetnx"), _client, 1);
        var reply = _client.Run("MSETNX", keys[0], "1", keys[1], "2");
        Assert.True(reply.IsError);
        Assert.StartsWith("CROSSSLOT", reply.GetString());
        Assert.Equal(0, _client.Run("EXISTS", keys[0], keys[1]).Integer);
    }

    [Fact]
    public void KeylessCommandsFanOutAndAggregate()
    {
        string prefix = Prefix("fan");
        var keys = ClusterClients.KeysOnEveryPrimary(prefix, _client, 4);
        _client.RunBatch(keys.Select(k => new[] { "SET", k, "x" }));

        long perNodeTotal = _client.GetPrimaryEndpoints().Sum(ep => _client.OnNode(ep, "DBSIZE").Integer);
        Assert.Equal(perNodeTotal, _client.Run("DBSIZE").Integer);

        var found = _client.Run("KEYS", prefix + ":*").Items.Select(v => v.GetString()!).OrderBy(k => k).ToList();
        Assert.Equal(keys.OrderBy(k => k).ToList(), found);

        var scanned = new List<string>();
        string cursor = "0";
        int calls = 0;
        do
        {
            var reply = _client.Run("SCAN", cursor, "MATCH", prefix + ":*", "COUNT", "1000");
            cursor = reply.Items[0].GetString()!;
            scanned.AddRange(reply.Items[1].Items.Select(v => v.GetString()!));
            Assert.True(++calls < 100, "SCAN did not finish");
        }
        while (cursor != "0");
        Assert.Equal(keys.OrderBy(k => k).ToList(), scanned.Distinct().OrderBy(k => k).ToList());
    }

    [Fact]
    public void CrossSlotErrorsExplainSlotsAndHashTags()
    {
        var keys = ClusterClients.KeysOnEveryPrimary(Prefix("cross"), _client, 1);
        var reply = _client.Run("SUNIONSTORE", keys[0], keys[1], keys[2]);
        Assert.True(reply.IsError);
        string message = reply.GetString()!;
        Assert.StartsWith("CROSSSLOT", message);
        Assert.Contains("'" + keys[1] + "' is in slot " + HashSlot.GetSlot(keys[1]), message);
        Assert.Contains("hash tag", message);
        Assert.Contains("{", message);
    }

    [Fact]
    public void ACredentialThatRedisReadsAsKeysIsNeverShown()
    {
        // Redis reads everything after KEYS as keys (COMMAND GETKEYS says so), so AUTH2's user and password
        // become "keys" of other slots and the command is refused as CROSSSLOT; its explanation lists them.
        const string password = "Mig-S3cret-pw!";
        string key = Prefix("migrate");
        _log.Clear();
        var reply = _client.Run("MIGRATE", "127.0.0.1", "1", "", "0", "5000", "KEYS", key, "AUTH2", "someone", password);
        Assert.True(reply.IsError);
        string message = reply.GetString()!;
        Assert.StartsWith("CROSSSLOT", message);
        Assert.DoesNotContain(password, message);
        Assert.Contains("'****' is a hidden argument", message);
        Assert.Contains("put AUTH or AUTH2 before KEYS", message);
        Assert.Contains("'" + key + "' is in slot", message);
        Assert.DoesNotContain(_log.Messages, m => m.Contains(password, StringComparison.Ordinal));
    }

    [Fact]
    public void MovableKeyCommandsRouteByTheServersKeyPositions()
    {
        string tag = "{" + Prefix("movable") + "}";
        _client.Run("ZADD", tag + "a", "1", "x");
        _client.Run("ZADD", tag + "b", "2", "y");
        Assert.Equal(2, _client.Run("ZUNIONSTORE", tag + "dst", "2", tag + "a", tag + "b", "WEIGHTS", "1", "2").Integer);

        string evalKey = Prefix("eval");
        _client.Run("SET", evalKey, "from-eval");
        Assert.Equal("from-eval", _client.Run("EVAL", "return redis.call('GET', KEYS[1])", "1", evalKey).GetString());

        string stream = Prefix("stream");
        _client.Run("XADD", stream, "*", "f", "v");
        var xread = _client.Run("XREAD", "COUNT", "1", "STREAMS", stream, "0");
        Assert.Equal(stream, xread.Items.Count > 0 ? (xread.Type == RespType.Map ? xread.Items[0].GetString() : xread.Items[0].Items[0].GetString()) : null);

        _client.Run("RPUSH", tag + "list", "3", "1", "2");
        Assert.Equal(3, _client.Run("SORT", tag + "list", "STORE", tag + "sorted").Integer);
        Assert.Equal("1", _client.Run("LINDEX", tag + "sorted", "0").GetString());

        Assert.False(_log.Any("MOVED"), "a movable-key command was misrouted:\n" + string.Join("\n", _log.Messages));
    }

    [Fact]
    public async Task ReadsCanBeServedByReplicas()
    {
        string key = Prefix("replica");
        _client.Run("SET", key, "r");
        _cluster.WaitReplicated(Poll.Deadline);
        using var replicaClient = ClusterClients.Open(_cluster, new CapturingLog(), readFromReplica: true);

        // Replicas count as healthy (and serve reads) once the primary has seen their replication offset.
        async Task<bool> ReplicasOnline()
        {
            await replicaClient.RefreshTopologyAsync();
            return replicaClient.Topology.Replicas.All(r => r.Health == ClusterNodeHealth.Online);
        }

        Assert.True(await Poll.UntilAsync(ReplicasOnline, Poll.Deadline), "replicas not online: " + string.Join(", ", replicaClient.Topology.Replicas.Select(r => r.Endpoint + " " + r.Health)));

        var reply = replicaClient.RunDetailed("GET", key);
        Assert.Equal("r", reply.Value.GetString());
        var node = replicaClient.Topology.FindByEndpoint(reply.Endpoint);
        Assert.Equal(ClusterNodeRole.Replica, node!.Role);

        var write = replicaClient.RunDetailed("SET", key, "w");
        Assert.Equal("OK", write.Value.GetString());
        Assert.Equal(ClusterNodeRole.Primary, replicaClient.Topology.FindByEndpoint(write.Endpoint)!.Role);
    }

    [Fact]
    public void TransactionsInOneBatchRunOnTheNodeOfTheirKeys()
    {
        string tag = "{" + Prefix("tx") + "}";
        var replies = _client.RunBatch(new[]
        {
            new[] { "MULTI" },
            new[] { "INCR", tag + "visits" },
            new[] { "INCR", tag + "visits" },
            new[] { "SET", tag + "last", "now" },
            new[] { "EXEC" },
        });
        Assert.Equal(new[] { "OK", "QUEUED", "QUEUED", "QUEUED" }, replies.Take(4).Select(r => r.Value.GetString()));
        var exec = replies[4].Value;
        Assert.Equal(3, exec.Items.Count);
        Assert.Equal(2, exec.Items[1].Integer);
        Assert.All(replies, r => Assert.Equal(_client.OwnerOf(tag + "visits"), r.Endpoint));

        var lonely = _client.Run("MULTI");
        Assert.True(lonely.IsError);
        Assert.Contains("one pipeline", lonely.GetString());
    }
}
