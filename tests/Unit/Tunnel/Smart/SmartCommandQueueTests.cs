using RedisCluster.Engine.Commands;
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
        Assert.Equal(new[] { multi, incr, exec }, queue.Commands);
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
        Assert.Empty(queue.Commands);

        queue.Add(RedisCommand.Create("GET", "b"), 3);
        Assert.Equal(3, queue.At(0));
        Assert.Equal("b", queue.Command(0).ArgumentText(1));
    }
}
