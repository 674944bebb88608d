using RedisCluster.Engine.Tunnel.Smart.Tracking;
using Xunit;

namespace RedisCluster.Tests.Tunnel.Smart.Tracking;

public sealed class InvalidationTableTests
{
    [Fact]
    public void AKeyIsNewOnceAndTakenWithEveryClientThatReadIt()
    {
        var table = new InvalidationTable();
        Assert.True(table.Remember(1, "k"));
        Assert.False(table.Remember(2, "k"));
        Assert.False(table.Remember(2, "k"));
        Assert.Equal(1, table.Keys);
        Assert.Equal(2, table.Items);

        Assert.Equal(new long[] { 1, 2 }, table.Take("k")!.OrderBy(id => id));
        Assert.Null(table.Take("k"));
        Assert.Equal(0, table.Items);
    }

    [Fact]
    public void AForgottenClientLeavesTheKeyToTheOthers()
    {
        var table = new InvalidationTable();
        table.Remember(1, "k");
        table.Remember(2, "k");
        table.Forget(1, "k");
        Assert.Equal(new long[] { 2 }, table.Take("k"));
        table.Remember(3, "j");
        table.Forget(3, "j");
        Assert.Equal(0, table.Keys);
    }

    [Fact]
    public void TheLimitTakesJustTheKeysOverIt()
    {
        var table = new InvalidationTable();
        for (int i = 0; i < 10; i++)
        {
            table.Remember(1, "k" + i);
        }

        Assert.Empty(table.TakeOverLimit());
        table.MaxKeys = 3;
        Assert.Equal(7, table.TakeOverLimit().Count);
        Assert.Equal(3, table.Keys);
        table.MaxKeys = 0;
        table.Remember(1, "more");
        Assert.Empty(table.TakeOverLimit());
    }

    [Fact]
    public void TakeWhereRemovesTheMatchingKeys()
    {
        var table = new InvalidationTable();
        table.Remember(1, "a:1");
        table.Remember(2, "a:2");
        table.Remember(1, "b:1");
        List<KeyValuePair<string, long[]>> taken = table.TakeWhere(k => k.StartsWith("a:", StringComparison.Ordinal));
        Assert.Equal(new[] { "a:1", "a:2" }, taken.Select(t => t.Key).OrderBy(k => k, StringComparer.Ordinal));
        Assert.Equal(1, table.Keys);
        Assert.Equal(1, table.Items);
    }
}
