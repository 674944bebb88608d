using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Routing;
using RedisCluster.Engine.Tunnel.Smart;
using Xunit;

namespace RedisCluster.Tests.Tunnel.Smart;

/// <summary>SmartCommandQueue: commands and the batch positions of their replies stay paired through adds and clears.</summary>
public sealed class SmartCommandQueueTests
{
    [Fact]
    public void CommandsKeepTheirReplyPositionsInOrder()
    {
        var queue = new SmartCommandQueue();
        RedisCommand multi = RedisCommand.Create("MULTI"), incr = RedisCommand.Create("INCR", "k"), exec = RedisCommand.Create("EXEC");
        queue.Add(multi, -1);
        queue.Add(incr, -1);
        queue.Add(exec, 7);

        Assert.Equal(3, queue.Count);
        Assert.Equal(new[] { multi, incr, exec }, queue.ToCommands());
        Assert.Equal(new[] { multi, incr, exec }, queue.Decided.Select(d => d.Command));
        Assert.Equal(new[] { -1, -1, 7 }, Enumerable.Range(0, queue.Count).Select(queue.At));
        Assert.Same(incr, queue.Command(1));
    }

    [Fact]
    public void ClearingForgetsBothSides()
    {
        var queue = new SmartCommandQueue();
        queue.Add(RedisCommand.Create("GET", "a"), 0);
        queue.Clear();
        Assert.Equal(0, queue.Count);
        Assert.Empty(queue.ToCommands());
        Assert.Empty(queue.Decided);

        queue.Add(RedisCommand.Create("GET", "b"), 3);
        Assert.Equal(3, queue.At(0));
        Assert.Equal("b", queue.Command(0).ArgumentText(1));
    }

    [Fact]
    public void ARouteDecidedForACommandStaysWithItWhenItIsQueuedAgain()
    {
        // A relayed command that met a redirect runs again through the router with the route decided for it.
        var relayed = new SmartCommandQueue();
        CommandRoute route = CommandRoute.SingleSlot(null!, HashSlot.GetSlot("k"), preferReplica: false, mayBlock: false);
        relayed.Add(RedisCommand.Create("GET", "k"), 4, route);
        relayed.Add(RedisCommand.Create("PING"), 5);

        var again = new SmartCommandQueue();
        again.Add(relayed.Entry(0), relayed.At(0));
        again.Add(relayed.Entry(1), relayed.At(1));

        Assert.Equal(HashSlot.GetSlot("k"), again.Decided[0].Route!.Value.Slot);
        Assert.Equal(RouteKind.SingleSlot, again.Decided[0].Route!.Value.Kind);
        Assert.Null(again.Decided[1].Route);
        Assert.Equal(new[] { 4, 5 }, new[] { again.At(0), again.At(1) });
    }
}
