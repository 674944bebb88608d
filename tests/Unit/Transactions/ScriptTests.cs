using RedisCluster.Engine.Client;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Routing;
using RedisCluster.Engine.Scripting;
using RedisCluster.Tests.Infrastructure;
using RedisCluster.Tests.Routing;
using Xunit;

namespace RedisCluster.Tests.Transactions;

/// <summary>Helpers that build and run script calls with text keys and arguments.</summary>
internal static class Scripts
{
    public static ReadOnlyMemory<byte>[] Bytes(params string[] values) => values.Select(v => (ReadOnlyMemory<byte>)System.Text.Encoding.UTF8.GetBytes(v)).ToArray();

    public static IReadOnlyList<RedisReply> Run(RedisClient client, params ScriptCall[] calls) => ScriptRunner.RunAsync(client, calls).GetAwaiter().GetResult();

    public static ScriptCall Call(string script, string[] keys, params string[] args) => ScriptCall.ForScript(LuaScript.FromText(script), false, Bytes(keys), Bytes(args));
}

[Collection(StandaloneCollection.Name)]
public sealed class StandaloneScriptTests : IDisposable
{
    private readonly RedisClient _client;

    public StandaloneScriptTests(StandaloneFixture redis) => _client = LiveClients.OpenStandalone(redis.Server.Port);

    public void Dispose() => _client.Dispose();

    [Fact]
    public void TheShaIsTheOneTheServerComputes()
    {
        const string script = "return 'sha check'";
        Assert.Equal(_client.Run("SCRIPT", "LOAD", script).GetString(), LuaScript.FromText(script).Sha1);
    }

    [Fact]
    public void AScriptRunsByShaAndKeepsWorkingAfterScriptFlush()
    {
        string script = "return redis.call('INCRBY', KEYS[1], ARGV[1]) -- " + Guid.NewGuid().ToString("N");
        string key = "script:n:" + Guid.NewGuid().ToString("N")[..8];

        Assert.Equal(5, Scripts.Run(_client, Scripts.Call(script, new[] { key }, "5"))[0].Value.Integer); // NOSCRIPT, then EVAL
        long evals = _client.Calls(_client.Endpoint, "EVAL");
        long byShaBefore = _client.Calls(_client.Endpoint, "EVALSHA");
        Assert.Equal(10, Scripts.Run(_client, Scripts.Call(script, new[] { key }, "5"))[0].Value.Integer);
        Assert.Equal(evals, _client.Calls(_client.Endpoint, "EVAL"));
        Assert.Equal(byShaBefore + 1, _client.Calls(_client.Endpoint, "EVALSHA"));

        _client.Run("SCRIPT", "FLUSH");
        var replies = Scripts.Run(_client, Scripts.Call(script, new[] { key }, "1"), Scripts.Call(script, new[] { key }, "2"));
        Assert.Equal(new long[] { 11, 13 }, replies.Select(r => r.Value.Integer));
        Assert.Equal("EVAL", replies[0].Command.Name);
    }

    [Fact]
    public void AReadOnlyScriptThatWritesIsRefusedByTheServer()
    {
        var call = ScriptCall.ForScript(LuaScript.FromText("return redis.call('SET', KEYS[1], 'x')"), true, Scripts.Bytes("script:ro"), Scripts.Bytes());
        var reply = Scripts.Run(_client, call)[0];
        Assert.True(reply.Value.IsError);
        Assert.Contains("read-only", reply.Value.GetString());
    }
}

[Collection(ClusterCollection.Name)]
public sealed class ClusterScriptTests : IDisposable
{
    private readonly ClusterRedisClient _client;

    public ClusterScriptTests(ClusterFixture fixture) => _client = ClusterClients.Open(fixture.Cluster, new CapturingLog());

    public void Dispose() => _client.Dispose();

    [Fact]
    public void AScriptRunsOnTheOwnerOfItsKeysAndSurvivesScriptFlushOnEveryNode()
    {
        string script = "redis.call('SET', KEYS[1], ARGV[1]) return redis.call('GET', KEYS[1]) -- " + Guid.NewGuid().ToString("N");
        var keys = ClusterClients.KeysOnEveryPrimary("script:" + Guid.NewGuid().ToString("N")[..8], _client, perPrimary: 1);

        var replies = Scripts.Run(_client, keys.Select(k => Scripts.Call(script, new[] { k }, "v-" + k)).ToArray());
        Assert.Equal(keys.Select(k => "v-" + k), replies.Select(r => r.Value.GetString()));
        foreach (string key in keys)
        {
            Assert.Equal("v-" + key, _client.OnNode(_client.OwnerOf(key), "GET", key).GetString());
        }

        Assert.Equal("OK", _client.Run("SCRIPT", "FLUSH").GetString());
        replies = Scripts.Run(_client, keys.Select(k => Scripts.Call(script, new[] { k }, "w-" + k)).ToArray());
        Assert.Equal(keys.Select(k => "w-" + k), replies.Select(r => r.Value.GetString()));
    }

    [Fact]
    public void KeysInSeveralSlotsAreRefusedWithTheCrossSlotExplanationBeforeSending()
    {
        var keys = ClusterClients.KeysOnEveryPrimary("scriptx:" + Guid.NewGuid().ToString("N")[..8], _client, perPrimary: 1);
        long sent = _client.CallsOnPrimaries("EVALSHA") + _client.CallsOnPrimaries("EVAL");

        var reply = Scripts.Run(_client, Scripts.Call("return redis.call('SET', KEYS[1], 'x')", keys.Take(2).ToArray()))[0];

        Assert.Equal("CROSSSLOT", reply.Value.ErrorPrefix);
        Assert.Contains("'" + keys[1] + "' is in slot " + HashSlot.GetSlot(keys[1]), reply.Value.GetString());
        Assert.Equal(sent, _client.CallsOnPrimaries("EVALSHA") + _client.CallsOnPrimaries("EVAL"));
        Assert.True(_client.Run("GET", keys[0]).IsNull);
    }

    [Fact]
    public void AFunctionIsCalledWithFcallAndFcallRo()
    {
        string library = "lib" + Guid.NewGuid().ToString("N")[..8];
        string code = "#!lua name=" + library + "\n"
            + "redis.register_function('" + library + "_set', function(keys, args) return redis.call('SET', keys[1], args[1]) end)\n"
            + "redis.register_function{function_name='" + library + "_get', callback=function(keys) return redis.call('GET', keys[1]) end, flags={'no-writes'}}";
        Assert.Equal(library, _client.Run("FUNCTION", "LOAD", code).GetString());
        string key = "{fn:" + library + "}:k";
        try
        {
            var set = Scripts.Run(_client, ScriptCall.ForFunction(library + "_set", false, Scripts.Bytes(key), Scripts.Bytes("value")))[0];
            var get = Scripts.Run(_client, ScriptCall.ForFunction(library + "_get", true, Scripts.Bytes(key), Scripts.Bytes()))[0];
            Assert.Equal("OK", set.Value.GetString());
            Assert.Equal("value", get.Value.GetString());
            Assert.Equal("FCALL_RO", get.Command.Name);
            Assert.Equal(_client.OwnerOf(key), get.Endpoint);
        }
        finally
        {
            _client.Run("FUNCTION", "DELETE", library);
        }
    }
}

[Collection(ClusterCollection.Name)]
public sealed class ReplicaScriptTests : IDisposable
{
    private readonly ClusterRedisClient _client;

    public ReplicaScriptTests(ClusterFixture fixture) => _client = ClusterClients.Open(fixture.Cluster, new CapturingLog(), readFromReplica: true);

    public void Dispose() => _client.Dispose();

    [Fact]
    public void AReadOnlyScriptRunsOnAReplicaWhenTheConnectionReadsFromReplicas()
    {
        string key = "{ro:" + Guid.NewGuid().ToString("N")[..8] + "}:k";
        Assert.Equal("OK", _client.Run("SET", key, "v").GetString());
        var call = ScriptCall.ForScript(LuaScript.FromText("return redis.call('GET', KEYS[1])"), true, Scripts.Bytes(key), Scripts.Bytes());

        // The replica may not have the write yet: ask until it has.
        RedisReply? reply = null;
        Assert.True(Poll.Until(() => (reply = Scripts.Run(_client, call)[0]).Value.GetString() == "v", TimeSpan.FromSeconds(30)), reply?.Value.ToString());

        Assert.Contains(_client.Topology.Replicas, r => r.Endpoint!.Equals(reply!.Endpoint));
    }
}
