using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;
using Xunit;
using static RedisCluster.Tests.ClusterMetadata.CommandReplies;

namespace RedisCluster.Tests.ClusterMetadata;

public sealed class CommandTableParsingTests
{
    public static IEnumerable<object[]> Protocols => ReplyBuilder.Both;

    private static CommandTable Sample(ReplyBuilder r) => CommandTable.Parse(r.Arr(
        Entry(r, "get", 2, new[] { "readonly", "fast" }, 1, 1, 1, new[] { "@read", "@string", "@fast" }, null,
            new[] { Spec(r, new[] { "RO", "access" }, Index(r, 1), Range(r, 0, 1, 0)) }),
        Entry(r, "dbsize", 1, new[] { "readonly", "fast" }, 0, 0, 0, new[] { "@keyspace" },
            new[] { "request_policy:all_shards", "response_policy:agg_sum" }),
        Entry(r, "sort", -2, new[] { "write", "denyoom", "movablekeys" }, 1, 1, 1, null, null, new[]
        {
            Spec(r, new[] { "RO", "access" }, Index(r, 1), Range(r, 0, 1, 0)),
            Spec(r, new[] { "OW", "update" }, Unknown(r), Unknown(r), "For the optional STORE keyword."),
        }),
        Entry(r, "config", -2, Array.Empty<string>(), 0, 0, 0, new[] { "@slow" }, null, null, new[]
        {
            Entry(r, "config|get", -3, new[] { "admin", "noscript", "loading", "stale" }, 0, 0, 0, new[] { "@admin" }),
            Entry(r, "config|set", -4, new[] { "admin", "noscript", "loading", "stale" }, 0, 0, 0, new[] { "@admin" },
                new[] { "request_policy:all_nodes", "response_policy:all_succeeded" }),
        }),
        Entry(r, "object", -2, Array.Empty<string>(), 0, 0, 0, null, null, null, new[]
        {
            Entry(r, "object|encoding", 3, new[] { "readonly" }, 2, 2, 1, new[] { "@keyspace" }, null,
                new[] { Spec(r, new[] { "RO" }, Index(r, 2), Range(r, 0, 1, 0)) }),
        }),
        r.Null));

    [Theory]
    [MemberData(nameof(Protocols))]
    public void EntriesKeepEveryField(int protocol)
    {
        CommandTable table = Sample(ReplyBuilder.For(protocol));
        Assert.Equal(5, table.Count);

        CommandInfo get = table.Find("GET")!;
        Assert.Equal("get", get.Name);
        Assert.Null(get.SubcommandName);
        Assert.Equal(2, get.Arity);
        Assert.True(get.IsReadOnly);
        Assert.False(get.IsWrite);
        Assert.False(get.IsBlocking);
        Assert.False(get.HasMovableKeys);
        Assert.True(get.HasFlag("FAST"));
        Assert.Equal(new[] { "fast", "readonly" }, get.Flags.OrderBy(f => f));
        Assert.Equal((1, 1, 1), (get.FirstKey, get.LastKey, get.Step));
        Assert.Equal(new[] { "@read", "@string", "@fast" }, get.AclCategories);
        Assert.Empty(get.Tips);
        Assert.Equal(RequestPolicy.Default, get.RequestPolicy);
        Assert.Equal(ResponsePolicy.Default, get.ResponsePolicy);

        KeySpec spec = Assert.Single(get.KeySpecs);
        Assert.Equal(new[] { "RO", "access" }, spec.Flags);
        Assert.Equal(KeyBeginSearchType.Index, spec.BeginSearch);
        Assert.Equal(1, spec.Index);
        Assert.Equal(KeyFindType.Range, spec.FindKeys);
        Assert.Equal((0, 1, 0), (spec.LastKey, spec.KeyStep, spec.Limit));
        Assert.False(spec.Incomplete);
        Assert.False(spec.IsUnknown);
        Assert.False(spec.IsNotKey);
        Assert.Null(spec.Notes);
        Assert.Equal("[RO,access] index 1; range last 0 step 1 limit 0", spec.ToString());

        CommandInfo dbsize = table.Find("dbsize")!;
        Assert.Equal(new[] { "request_policy:all_shards", "response_policy:agg_sum" }, dbsize.Tips);
        Assert.Equal(RequestPolicy.AllShards, dbsize.RequestPolicy);
        Assert.Equal(ResponsePolicy.AggSum, dbsize.ResponsePolicy);
        Assert.Empty(dbsize.KeySpecs);

        CommandInfo sort = table.Find("sort")!;
        Assert.True(sort.HasMovableKeys);
        Assert.True(sort.IsWrite);
        Assert.True(sort.KeySpecs[1].IsUnknown);
        Assert.Equal(KeyBeginSearchType.Unknown, sort.KeySpecs[1].BeginSearch);
        Assert.Equal(KeyFindType.Unknown, sort.KeySpecs[1].FindKeys);
        Assert.Equal("For the optional STORE keyword.", sort.KeySpecs[1].Notes);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public void ContainerCommandsResolveToTheirSubcommands(int protocol)
    {
        CommandTable table = Sample(ReplyBuilder.For(protocol));
        CommandInfo config = table.Find("config")!;
        Assert.Equal(new[] { "get", "set" }, config.Subcommands.Keys.OrderBy(k => k));
        Assert.Same(config.Subcommands["get"], config.Subcommands["GET"]);

        CommandInfo configGet = table.Find(RedisCommand.Create("config", "Get", "maxmemory"))!;
        Assert.Equal("config|get", configGet.Name);
        Assert.Equal("get", configGet.SubcommandName);

        CommandInfo configSet = table.Find(RedisCommand.Create("CONFIG", "SET", "x", "y"))!;
        Assert.Equal(RequestPolicy.AllNodes, configSet.RequestPolicy);
        Assert.Equal(ResponsePolicy.AllSucceeded, configSet.ResponsePolicy);

        // An unknown subcommand or a bare container name gives the container's own entry.
        Assert.Same(config, table.Find(RedisCommand.Create("CONFIG", "NOSUCH")));
        Assert.Same(config, table.Find(RedisCommand.Create("CONFIG")));
        Assert.Null(table.Find(RedisCommand.Create("NOSUCH", "x")));

        Assert.Equal(new[] { 2 }, table.GetKeys(RedisCommand.Create("OBJECT", "ENCODING", "k")).KeyIndices);
        KeyExtraction unknown = table.GetKeys(RedisCommand.Create("NOSUCH", "x"));
        Assert.False(unknown.IsKnownCommand);
        Assert.Empty(unknown.KeyIndices);
        Assert.False(unknown.NeedsServerLookup);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public void OlderServersSendShorterEntries(int protocol)
    {
        var r = ReplyBuilder.For(protocol);
        // 6.x: no tips, key specs or subcommands; 5.x and older: no ACL categories either.
        CommandTable table = CommandTable.Parse(r.Arr(
            r.Arr("mset", -3, r.Set("write", "denyoom"), 1, -1, 2, r.Set("@write", "@string")),
            r.Arr("zunionstore", -4, r.Set("write", "denyoom", "movablekeys"), 0, 0, 0)));

        CommandInfo mset = table.Find("mset")!;
        Assert.Empty(mset.KeySpecs);
        Assert.Empty(mset.Subcommands);
        Assert.Equal(RequestPolicy.Default, mset.RequestPolicy);
        KeyExtraction keys = table.GetKeys(RedisCommand.Create("MSET", "a", "1", "b", "2"));
        Assert.Equal(new[] { 1, 3 }, keys.KeyIndices);
        Assert.False(keys.NeedsServerLookup);

        KeyExtraction movable = table.GetKeys(RedisCommand.Create("ZUNIONSTORE", "d", "2", "a", "b"));
        Assert.Empty(movable.KeyIndices);
        Assert.True(movable.NeedsServerLookup);
        Assert.Empty(table.Find("zunionstore")!.AclCategories);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public void BlockingCommandsAreKnownByFlagOrByCategory(int protocol)
    {
        var r = ReplyBuilder.For(protocol);
        CommandTable table = CommandTable.Parse(r.Arr(
            // 7.x: the "blocking" flag and the @blocking category.
            Entry(r, "brpop", -3, new[] { "write", "noscript", "blocking" }, 1, -2, 1, new[] { "@write", "@list", "@slow", "@blocking" }),
            // 6.x as redis-server 6.2 sends it: no flag, only the category.
            r.Arr("blpop", -3, r.Set("write", "noscript"), 1, -2, 1, r.Set("@write", "@list", "@slow", "@blocking")),
            r.Arr("lpush", -3, r.Set("write", "denyoom", "fast"), 1, 1, 1, r.Set("@write", "@list", "@fast"))));

        Assert.True(table.Find("brpop")!.IsBlocking);
        Assert.True(table.Find("blpop")!.IsBlocking);
        Assert.False(table.Find("lpush")!.IsBlocking);
    }

    [Theory]
    [InlineData("request_policy:all_nodes", RequestPolicy.AllNodes)]
    [InlineData("request_policy:all_shards", RequestPolicy.AllShards)]
    [InlineData("request_policy:multi_shard", RequestPolicy.MultiShard)]
    [InlineData("request_policy:special", RequestPolicy.Special)]
    [InlineData("request_policy:from_the_future", RequestPolicy.Special)]
    [InlineData("nondeterministic_output", RequestPolicy.Default)]
    public void RequestPolicies(string tip, RequestPolicy expected)
        => Assert.Equal(expected, new CommandInfo("x", 1, null, 0, 0, 0, tips: new[] { tip }).RequestPolicy);

    [Theory]
    [InlineData("response_policy:one_succeeded", ResponsePolicy.OneSucceeded)]
    [InlineData("response_policy:all_succeeded", ResponsePolicy.AllSucceeded)]
    [InlineData("response_policy:agg_logical_and", ResponsePolicy.AggLogicalAnd)]
    [InlineData("response_policy:agg_logical_or", ResponsePolicy.AggLogicalOr)]
    [InlineData("response_policy:agg_min", ResponsePolicy.AggMin)]
    [InlineData("response_policy:agg_max", ResponsePolicy.AggMax)]
    [InlineData("response_policy:agg_sum", ResponsePolicy.AggSum)]
    [InlineData("response_policy:special", ResponsePolicy.Special)]
    [InlineData("response_policy:from_the_future", ResponsePolicy.Special)]
    [InlineData("nondeterministic_output_order", ResponsePolicy.Default)]
    public void ResponsePolicies(string tip, ResponsePolicy expected)
        => Assert.Equal(expected, new CommandInfo("x", 1, null, 0, 0, 0, tips: new[] { tip }).ResponsePolicy);

    [Fact]
    public void MalformedRepliesFailClearly()
    {
        var r = ReplyBuilder.V2;
        var error = Assert.Throws<RedisServerErrorException>(() => CommandTable.Parse(RespValue.Error("NOPERM this user has no permissions to run the 'command' command")));
        Assert.Equal("NOPERM", error.Prefix);
        Assert.Contains("expected at least 6", Assert.Throws<RedisException>(() => CommandTable.Parse(r.Arr(r.Arr("get", 2)))).Message);
        Assert.Contains("arity is not a number", Assert.Throws<RedisException>(
            () => CommandTable.Parse(r.Arr(r.Arr("get", "two", r.Set(), 1, 1, 1)))).Message);
    }
}
