using System.Collections.Concurrent;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace RedisCluster.Tests.ClusterMetadata;

/// <summary>Key positions and fan-out policies from the live server's own COMMAND table, checked against COMMAND GETKEYS.</summary>
[Collection(ClusterCollection.Name)]
public sealed class LiveCommandTableTests
{
    private static readonly ConcurrentDictionary<(int Port, int Protocol), Task<CommandTable>> Tables = new();

    private readonly ClusterFixture _fixture;
    private readonly ITestOutputHelper _output;

    public LiveCommandTableTests(ClusterFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
    }

    public static IEnumerable<object[]> Protocols => ReplyBuilder.Both;

    /// <summary>Commands whose keys the specs resolve on their own, with the expected argument indices.</summary>
    public static IEnumerable<object[]> ResolvedBySpecs()
    {
        foreach (int protocol in new[] { 2, 3 })
        {
            yield return new object[] { protocol, new[] { "GET", "k" }, new[] { 1 } };
            yield return new object[] { protocol, new[] { "MSET", "k1", "v1", "k2", "v2" }, new[] { 1, 3 } };
            yield return new object[] { protocol, new[] { "MGET", "a", "b", "c" }, new[] { 1, 2, 3 } };
            yield return new object[] { protocol, new[] { "DEL", "a", "b" }, new[] { 1, 2 } };
            yield return new object[] { protocol, new[] { "ZUNIONSTORE", "dst", "2", "a", "b", "WEIGHTS", "1", "2" }, new[] { 1, 3, 4 } };
            yield return new object[] { protocol, new[] { "EVAL", "return redis.call('get', KEYS[1])", "2", "k1", "k2", "arg" }, new[] { 3, 4 } };
            yield return new object[] { protocol, new[] { "EVAL", "return 1", "0" }, Array.Empty<int>() };
            yield return new object[] { protocol, new[] { "XREAD", "COUNT", "2", "STREAMS", "s1", "s2", "0", "0" }, new[] { 4, 5 } };
            yield return new object[] { protocol, new[] { "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s1", ">" }, new[] { 7 } };
            yield return new object[] { protocol, new[] { "OBJECT", "ENCODING", "k" }, new[] { 2 } };
            yield return new object[] { protocol, new[] { "object", "encoding", "k" }, new[] { 2 } };
            yield return new object[] { protocol, new[] { "CONFIG", "GET", "x" }, Array.Empty<int>() };
            yield return new object[] { protocol, new[] { "PING" }, Array.Empty<int>() };
            yield return new object[] { protocol, new[] { "BLPOP", "a", "b", "0" }, new[] { 1, 2 } };
            yield return new object[] { protocol, new[] { "GEORADIUS", "k", "0", "0", "1", "km", "STORE", "dst" }, new[] { 1, 7 } };
            yield return new object[] { protocol, new[] { "GEORADIUS", "k", "0", "0", "1", "km", "STOREDIST", "dst" }, new[] { 1, 7 } };
            yield return new object[] { protocol, new[] { "GEORADIUS", "k", "0", "0", "1", "km", "WITHDIST" }, new[] { 1 } };
            yield return new object[] { protocol, new[] { "LMOVE", "src", "dst", "LEFT", "RIGHT" }, new[] { 1, 2 } };
            yield return new object[] { protocol, new[] { "SET", "k", "v", "GET" }, new[] { 1 } };
            yield return new object[] { protocol, new[] { "ZINTERCARD", "2", "a", "b", "LIMIT", "1" }, new[] { 2, 3 } };
        }
    }

    [Theory]
    [MemberData(nameof(ResolvedBySpecs))]
    public async Task SpecsGiveTheServersKeys(int protocol, string[] arguments, int[] expected)
    {
        using RedisConnection connection = await Connect(protocol);
        CommandTable table = await TableFor(connection, protocol);
        var command = RedisCommand.Create(arguments);

        KeyExtraction keys = table.GetKeys(command);
        Assert.True(keys.IsKnownCommand);
        Assert.False(keys.NeedsServerLookup, keys.ToString());
        Assert.Equal(expected, keys.KeyIndices);
        Assert.Equal(expected, await CommandTable.GetKeysFromServerAsync(connection, command, CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task SortStoreNeedsTheServer(int protocol)
    {
        using RedisConnection connection = await Connect(protocol);
        CommandTable table = await TableFor(connection, protocol);
        var command = RedisCommand.Create("SORT", "k", "BY", "x", "STORE", "dst");

        KeyExtraction keys = table.GetKeys(command);
        Assert.True(keys.NeedsServerLookup);
        Assert.Equal(new[] { 1 }, keys.KeyIndices);
        Assert.Equal(new[] { 1, 5 }, await CommandTable.GetKeysFromServerAsync(connection, command, CancellationToken.None));

        // The BY/GET spec is unknown too, so even SORT without STORE asks; the server then names just the key.
        var plain = RedisCommand.Create("SORT", "k", "BY", "x");
        Assert.True(table.GetKeys(plain).NeedsServerLookup);
        Assert.Equal(new[] { 1 }, await CommandTable.GetKeysFromServerAsync(connection, plain, CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task MigrateKeysClauseIsIncomplete(int protocol)
    {
        using RedisConnection connection = await Connect(protocol);
        CommandTable table = await TableFor(connection, protocol);

        // With KEYS, the key argument is "" and the keys follow KEYS.
        var many = RedisCommand.Create("MIGRATE", "127.0.0.1", "1", "", "0", "5000", "COPY", "KEYS", "a", "b");
        KeyExtraction keys = table.GetKeys(many);
        Assert.True(keys.NeedsServerLookup);
        Assert.Equal(new[] { 3, 8, 9 }, keys.KeyIndices);
        Assert.Equal(new[] { 8, 9 }, await CommandTable.GetKeysFromServerAsync(connection, many, CancellationToken.None));

        var one = RedisCommand.Create("MIGRATE", "127.0.0.1", "1", "k", "0", "5000");
        Assert.Equal(new[] { 3 }, table.GetKeys(one).KeyIndices);
        Assert.Equal(new[] { 3 }, await CommandTable.GetKeysFromServerAsync(connection, one, CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task ServerLookupMapsRepeatedAndBinaryKeys(int protocol)
    {
        using RedisConnection connection = await Connect(protocol);
        var repeated = RedisCommand.Create("MSET", "a", "1", "a", "2");
        Assert.Equal(new[] { 1, 3 }, await CommandTable.GetKeysFromServerAsync(connection, repeated, CancellationToken.None));

        // The server names keys, not positions: a value equal to a later key is indistinguishable from it.
        // The index may then point at the value, which has the same bytes and so the same slot.
        var ambiguous = RedisCommand.Create("MSET", "a", "b", "b", "c");
        IReadOnlyList<int> found = await CommandTable.GetKeysFromServerAsync(connection, ambiguous, CancellationToken.None);
        Assert.Equal(new[] { "a", "b" }, found.Select(ambiguous.ArgumentText));

        var binary = RedisCommand.Create(new[] { "DEL"u8.ToArray(), new byte[] { 0xff, 0x00, 0x80 }, "x"u8.ToArray() });
        Assert.Equal(new[] { 1, 2 }, await CommandTable.GetKeysFromServerAsync(connection, binary, CancellationToken.None));

        var error = await Assert.ThrowsAsync<RedisCluster.Engine.Errors.RedisServerErrorException>(
            () => CommandTable.GetKeysFromServerAsync(connection, RedisCommand.Create("NOSUCHCOMMAND", "x"), CancellationToken.None));
        Assert.Contains("Invalid command", error.Message);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task ShardedChannelsRouteLikeKeysButAreNotKeys(int protocol)
    {
        using RedisConnection connection = await Connect(protocol);
        CommandTable table = await TableFor(connection, protocol);
        var command = RedisCommand.Create("SPUBLISH", "channel", "message");
        KeyExtraction keys = table.GetKeys(command);
        Assert.Empty(keys.KeyIndices);
        Assert.Equal(new[] { 1 }, keys.NotKeyIndices);
        Assert.Empty(await CommandTable.GetKeysFromServerAsync(connection, command, CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task PoliciesAndFlagsAreTheServers(int protocol)
    {
        using RedisConnection connection = await Connect(protocol);
        CommandTable table = await TableFor(connection, protocol);

        void Policy(string[] command, RequestPolicy request, ResponsePolicy response)
        {
            CommandInfo info = table.Find(RedisCommand.Create(command))!;
            Assert.True(request == info.RequestPolicy && response == info.ResponsePolicy,
                $"{info.Name}: {info.RequestPolicy}/{info.ResponsePolicy} (tips: {string.Join(", ", info.Tips)})");
        }

        Policy(new[] { "DBSIZE" }, RequestPolicy.AllShards, ResponsePolicy.AggSum);
        Policy(new[] { "KEYS", "*" }, RequestPolicy.AllShards, ResponsePolicy.Default);
        Policy(new[] { "FLUSHALL" }, RequestPolicy.AllShards, ResponsePolicy.AllSucceeded);
        Policy(new[] { "SCAN", "0" }, RequestPolicy.Special, ResponsePolicy.Default);
        Policy(new[] { "MGET", "a" }, RequestPolicy.MultiShard, ResponsePolicy.Default);
        Policy(new[] { "MSET", "a", "1" }, RequestPolicy.MultiShard, ResponsePolicy.AllSucceeded);
        Policy(new[] { "DEL", "a" }, RequestPolicy.MultiShard, ResponsePolicy.AggSum);
        Policy(new[] { "EXISTS", "a" }, RequestPolicy.MultiShard, ResponsePolicy.AggSum);
        Policy(new[] { "SCRIPT", "LOAD", "return 1" }, RequestPolicy.AllNodes, ResponsePolicy.AllSucceeded);
        Policy(new[] { "CONFIG", "SET", "x", "y" }, RequestPolicy.AllNodes, ResponsePolicy.AllSucceeded);
        Policy(new[] { "FUNCTION", "LOAD", "x" }, RequestPolicy.AllShards, ResponsePolicy.AllSucceeded);
        Policy(new[] { "PING" }, RequestPolicy.AllShards, ResponsePolicy.AllSucceeded);
        Policy(new[] { "RANDOMKEY" }, RequestPolicy.AllShards, ResponsePolicy.Default);
        Policy(new[] { "GET", "k" }, RequestPolicy.Default, ResponsePolicy.Default);
        Policy(new[] { "CONFIG", "GET", "x" }, RequestPolicy.Default, ResponsePolicy.Default);

        Assert.Equal("script|load", table.Find(RedisCommand.Create("SCRIPT", "LOAD", "return 1"))!.Name);
        Assert.True(table.Find("get")!.IsReadOnly);
        Assert.True(table.Find("blpop")!.IsBlocking);
        Assert.True(table.Find("xread")!.HasMovableKeys);
        Assert.True(table.Find("xread")!.IsBlocking);
        Assert.True(table.Find("set")!.IsWrite);
        Assert.Equal(-3, table.Find("set")!.Arity);
    }

    /// <summary>
    /// The relay's shortcut for keys at fixed positions (no lists, no search) must find the slot the general
    /// key locator finds, for every such command the server has, whatever the number of arguments.
    /// </summary>
    [Fact]
    public async Task FixedPositionKeysGiveTheSameSlotAsTheGeneralLocator()
    {
        using RedisConnection connection = await Connect(2);
        CommandTable table = await TableFor(connection, 2);
        var commands = table.Commands.Values.SelectMany(c => new[] { c }.Concat(c.Subcommands.Values)).Where(c => c.HasFixedKeyRanges).ToList();
        Assert.Contains(commands, c => c.Name == "get");
        Assert.Contains(commands, c => c.Name == "mset");
        Assert.DoesNotContain(commands, c => c.Name == "xread" || c.Name == "eval" || c.Name == "sort");
        int checkedCommands = 0;
        foreach (CommandInfo info in commands)
        {
            string[] name = info.Name.Split('|');
            int minimum = Math.Max(Math.Abs(info.Arity), name.Length);
            for (int argc = minimum; argc <= minimum + 5; argc++)
            {
                foreach (bool oneTag in new[] { true, false })
                {
                    var args = name.Concat(Enumerable.Range(name.Length, argc - name.Length).Select(i => oneTag ? "{t}" + i : "k" + i)).ToArray();
                    var command = RedisCommand.Create(args);
                    IReadOnlyList<int> keys = KeyLocator.Locate(info, command).KeyIndices;
                    var slots = keys.Select(k => HashSlot.GetSlot(command.Arguments[k].Span)).Distinct().ToList();
                    bool expected = slots.Count == 1;
                    bool found = KeyLocator.TryGetFixedRangeSlot(info, command, out int slot);
                    Assert.True(expected == found, $"{string.Join(' ', args)}: keys at {string.Join(",", keys)}, shortcut says {found}");
                    if (found)
                    {
                        Assert.Equal(slots[0], slot);
                    }
                }
            }

            checkedCommands++;
        }

        _output.WriteLine(checkedCommands + " commands with fixed-position keys checked.");
        Assert.True(checkedCommands > 100, checkedCommands + " commands");
    }

    [Fact]
    public async Task Resp2AndResp3TablesAreTheSame()
    {
        using RedisConnection v2 = await Connect(2);
        using RedisConnection v3 = await Connect(3);
        CommandTable t2 = await TableFor(v2, 2);
        CommandTable t3 = await TableFor(v3, 3);
        Assert.True(t2.Count > 200, t2.Count + " commands");
        Assert.Equal(t2.Commands.Keys.OrderBy(k => k), t3.Commands.Keys.OrderBy(k => k));
        foreach (CommandInfo a in t2.Commands.Values)
        {
            AssertSame(a, t3.Find(a.Name)!);
        }

        // What the server marks as needing COMMAND GETKEYS: worth knowing when reading a routing log.
        var lookups = t2.Commands.Values.SelectMany(c => new[] { c }.Concat(c.Subcommands.Values))
            .Where(c => c.KeySpecs.Any(s => s.Incomplete || s.IsUnknown) || (c.HasMovableKeys && c.KeySpecs.Count == 0))
            .Select(c => c.Name).OrderBy(n => n).ToArray();
        _output.WriteLine("commands with incomplete or unknown key specs: " + string.Join(", ", lookups));
        Assert.Contains("sort", lookups);
        Assert.Contains("sort_ro", lookups);
        Assert.Contains("migrate", lookups);
    }

    private static void AssertSame(CommandInfo a, CommandInfo b)
    {
        Assert.Equal(a.Name, b.Name);
        Assert.Equal(a.Arity, b.Arity);
        Assert.Equal(a.Flags.OrderBy(f => f), b.Flags.OrderBy(f => f));
        Assert.Equal((a.FirstKey, a.LastKey, a.Step), (b.FirstKey, b.LastKey, b.Step));
        Assert.Equal(a.AclCategories.OrderBy(c => c), b.AclCategories.OrderBy(c => c));
        Assert.Equal(a.Tips.OrderBy(t => t), b.Tips.OrderBy(t => t));
        Assert.Equal(a.KeySpecs.Select(s => s.ToString()), b.KeySpecs.Select(s => s.ToString()));
        Assert.Equal(a.Subcommands.Keys.OrderBy(k => k), b.Subcommands.Keys.OrderBy(k => k));
        foreach (CommandInfo sub in a.Subcommands.Values)
        {
            AssertSame(sub, b.Subcommands[sub.SubcommandName!]);
        }
    }

    private Task<RedisConnection> Connect(int protocol) => LiveConnections.OpenAsync(_fixture.Cluster.SeedPort, protocol, tls: false);

    // COMMAND is about 90 KB; one load per protocol serves every test.
    private static Task<CommandTable> TableFor(RedisConnection connection, int protocol)
        => Tables.GetOrAdd((connection.Endpoint.Port, protocol), _ => CommandTable.LoadAsync(connection, CancellationToken.None));
}
