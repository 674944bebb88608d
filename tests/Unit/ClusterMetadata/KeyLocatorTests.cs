using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Commands;
using Xunit;

namespace RedisCluster.Tests.ClusterMetadata;

/// <summary>Key-spec arithmetic on specs built by hand, including shapes no 7.0 command uses yet.</summary>
public sealed class KeyLocatorTests
{
    private static KeySpec IndexRange(int index, int lastKey, int step = 1, int limit = 0, params string[] flags)
        => new(flags, KeyBeginSearchType.Index, index, null, 0, KeyFindType.Range, lastKey, step, limit, 0, 0);

    private static KeySpec KeywordRange(string keyword, int startFrom, int lastKey, int step = 1, int limit = 0, params string[] flags)
        => new(flags, KeyBeginSearchType.Keyword, 0, keyword, startFrom, KeyFindType.Range, lastKey, step, limit, 0, 0);

    private static KeySpec IndexKeyNum(int index, int keyNumIndex, int firstKey, int step = 1)
        => new(null, KeyBeginSearchType.Index, index, null, 0, KeyFindType.KeyNum, 0, step, 0, keyNumIndex, firstKey);

    private static KeyExtraction Keys(KeySpec[] specs, params string[] command)
    {
        var table = new CommandTable(new[] { new CommandInfo(command[0].ToLowerInvariant(), -1, null, 0, 0, 0, keySpecs: specs) });
        return table.GetKeys(RedisCommand.Create(command));
    }

    [Fact]
    public void RangeFromAnIndex()
    {
        Assert.Equal(new[] { 1 }, Keys(new[] { IndexRange(1, 0) }, "GET", "k").KeyIndices);
        Assert.Equal(new[] { 1, 2, 3 }, Keys(new[] { IndexRange(1, -1) }, "DEL", "a", "b", "c").KeyIndices);
        Assert.Equal(new[] { 1, 3, 5 }, Keys(new[] { IndexRange(1, -1, step: 2) }, "MSET", "a", "1", "b", "2", "c", "3").KeyIndices);
        // -2: all but the last argument (BLPOP a b timeout).
        Assert.Equal(new[] { 1, 2 }, Keys(new[] { IndexRange(1, -2) }, "BLPOP", "a", "b", "0").KeyIndices);
        // A fixed count after the first key (LMOVE src dst ...).
        Assert.Equal(new[] { 1, 2 }, Keys(new[] { IndexRange(1, 1) }, "LMOVE", "s", "d", "LEFT", "RIGHT").KeyIndices);
    }

    [Fact]
    public void KeywordSearchForwardAndBackward()
    {
        // XREAD: keys are the first half of what follows STREAMS.
        KeySpec streams = KeywordRange("STREAMS", 1, -1, limit: 2);
        Assert.Equal(new[] { 4, 5 }, Keys(new[] { streams }, "XREAD", "COUNT", "2", "STREAMS", "s1", "s2", "0", "0").KeyIndices);
        Assert.Equal(new[] { 2 }, Keys(new[] { streams }, "XREAD", "streams", "s1", "$").KeyIndices);
        Assert.Empty(Keys(new[] { streams }, "XREAD", "COUNT", "2").KeyIndices);

        // A keyword as the last argument has nothing after it.
        Assert.Empty(Keys(new[] { KeywordRange("STORE", 1, 0) }, "X", "a", "STORE").KeyIndices);

        // Negative startfrom searches backwards from the end, so a "KEYS" earlier in the command is skipped.
        KeySpec keys = KeywordRange("KEYS", -2, -1);
        Assert.Equal(new[] { 7, 8 }, Keys(new[] { keys }, "MIGRATE", "h", "1", "", "0", "5000", "KEYS", "a", "b").KeyIndices);
        Assert.Equal(new[] { 5 }, Keys(new[] { keys }, "X", "KEYS", "x", "y", "keys", "z").KeyIndices);
        Assert.Empty(Keys(new[] { keys }, "X", "a").KeyIndices);

        // The search starts at startfrom: an earlier occurrence does not count.
        Assert.Equal(new[] { 4 }, Keys(new[] { KeywordRange("STORE", 3, 0) }, "X", "STORE", "a", "STORE", "b").KeyIndices);
    }

    [Fact]
    public void KeyNumReadsTheCountFromAnArgument()
    {
        // ZUNIONSTORE dst numkeys k...: one spec for dst, one keynum spec.
        var specs = new[] { IndexRange(1, 0), IndexKeyNum(2, 0, 1) };
        Assert.Equal(new[] { 1, 3, 4 }, Keys(specs, "ZUNIONSTORE", "dst", "2", "a", "b", "WEIGHTS", "1", "2").KeyIndices);
        Assert.Equal(new[] { 1 }, Keys(specs, "ZUNIONSTORE", "dst", "0").KeyIndices);
        Assert.Equal(new[] { 1 }, Keys(specs, "ZUNIONSTORE", "dst", "x", "a").KeyIndices);
        Assert.Equal(new[] { 1 }, Keys(specs, "ZUNIONSTORE", "dst", "-1", "a").KeyIndices);
        // More keys announced than given: the server reports the syntax error.
        Assert.Equal(new[] { 1 }, Keys(specs, "ZUNIONSTORE", "dst", "3", "a").KeyIndices);

        // EVAL script numkeys k... arg...
        Assert.Equal(new[] { 3, 4 }, Keys(new[] { IndexKeyNum(2, 0, 1) }, "EVAL", "return 1", "2", "k1", "k2", "arg").KeyIndices);

        // A count that sits after the first key, and a step (pairs of key and value).
        Assert.Equal(new[] { 2, 4 }, Keys(new[] { IndexKeyNum(1, 0, 1, step: 2) }, "X", "2", "k1", "v1", "k2", "v2").KeyIndices);
    }

    [Fact]
    public void IncompleteAndUnknownSpecsNeedTheServer()
    {
        KeyExtraction sort = Keys(new[]
        {
            IndexRange(1, 0),
            new KeySpec(new[] { "OW", "update" }, KeyBeginSearchType.Unknown, 0, null, 0, KeyFindType.Unknown, 0, 0, 0, 0, 0),
        }, "SORT", "k", "STORE", "dst");
        Assert.Equal(new[] { 1 }, sort.KeyIndices);
        Assert.True(sort.NeedsServerLookup);

        KeyExtraction migrate = Keys(new[] { IndexRange(3, 0), KeywordRange("KEYS", -2, -1, flags: new[] { "RW", "incomplete" }) },
            "MIGRATE", "h", "1", "", "0", "5000", "KEYS", "a", "b");
        Assert.Equal(new[] { 3, 7, 8 }, migrate.KeyIndices);
        Assert.True(migrate.NeedsServerLookup);
    }

    [Fact]
    public void NotKeySpecsAreKeptApart()
    {
        KeyExtraction spublish = Keys(new[] { IndexRange(1, 0, flags: "not_key") }, "SPUBLISH", "channel", "message");
        Assert.Empty(spublish.KeyIndices);
        Assert.Equal(new[] { 1 }, spublish.NotKeyIndices);
        Assert.False(spublish.NeedsServerLookup);
    }

    [Fact]
    public void OutOfRangeSpecsGiveNoKeys()
    {
        Assert.Empty(Keys(new[] { IndexRange(1, 0) }, "GET").KeyIndices);
        Assert.Equal(new[] { 1 }, Keys(new[] { IndexRange(1, 0), IndexRange(2, 0) }, "X", "a").KeyIndices);
        Assert.Empty(Keys(new[] { IndexRange(1, -3) }, "X", "a").KeyIndices);
    }

    [Fact]
    public void LegacyRangeWhenThereAreNoSpecs()
    {
        var table = new CommandTable(new[]
        {
            new CommandInfo("mset", -3, new[] { "write" }, 1, -1, 2),
            new CommandInfo("blpop", -3, new[] { "write", "blocking" }, 1, -2, 1),
            new CommandInfo("rename", 3, new[] { "write" }, 1, 2, 1),
            new CommandInfo("ping", -1, new[] { "fast" }, 0, 0, 0),
            new CommandInfo("eval", -3, new[] { "movablekeys" }, 0, 0, 0),
        });
        Assert.Equal(new[] { 1, 3 }, table.GetKeys(RedisCommand.Create("MSET", "a", "1", "b", "2")).KeyIndices);
        Assert.Equal(new[] { 1, 2 }, table.GetKeys(RedisCommand.Create("BLPOP", "a", "b", "0")).KeyIndices);
        Assert.Equal(new[] { 1, 2 }, table.GetKeys(RedisCommand.Create("RENAME", "a", "b")).KeyIndices);
        Assert.Equal(new[] { 1 }, table.GetKeys(RedisCommand.Create("RENAME", "a")).KeyIndices);
        Assert.Empty(table.GetKeys(RedisCommand.Create("PING")).KeyIndices);
        Assert.False(table.GetKeys(RedisCommand.Create("PING")).NeedsServerLookup);
        Assert.True(table.GetKeys(RedisCommand.Create("EVAL", "return 1", "1", "k")).NeedsServerLookup);
    }
}
