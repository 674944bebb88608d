using RedisCluster.Engine.Tunnel.Smart;
using Xunit;

namespace RedisCluster.Tests.Tunnel.Smart;

/// <summary>
/// The line of batches that wait for commands in transit: nobody waits while nothing is in transit; when the transit
/// ends the batches go on one at a time in the order they came, each until it waits again, and one that put a command
/// in transit holds the rest of the line. Whether blocking commands count as in use (the other loops are waited for).
/// Turns here end by hand (no node is asked), on the test's thread, where the continuations then run.
/// </summary>
public sealed class SmartBlockingOrderTests
{
    // Only the arrival watch asks the backend (a node's CLIENT LIST); these turns never send.
    private readonly SmartBlockingOrder _order = new SmartBlockingOrder(null!);

    [Fact]
    public void NothingInTransitMeansNoWait()
    {
        Assert.True(_order.WaitTurnAsync(CancellationToken.None).IsCompletedSuccessfully);
    }

    [Fact]
    public void WaitingBatchesGoOnInTheOrderTheyCameAndOneThatPutsACommandInTransitHoldsTheRest()
    {
        var ran = new List<string>();
        SmartBlockingOrder.Turn first = _order.EnterUntilAnswered();
        SmartBlockingOrder.Turn? second = null;

        // Three batches wait; the second puts a command of its own in transit as soon as it goes on.
        Task one = Then(_order.WaitTurnAsync(CancellationToken.None), () => ran.Add("one"));
        Task two = Then(_order.WaitTurnAsync(CancellationToken.None), () => { ran.Add("two"); second = _order.EnterUntilAnswered(); });
        Task three = Then(_order.WaitTurnAsync(CancellationToken.None), () => ran.Add("three"));

        // A batch that comes now waits behind them, even once nothing is in transit.
        Task late = Then(_order.WaitTurnAsync(CancellationToken.None), () => ran.Add("late"));
        Assert.Empty(ran);

        first.Dispose();
        Assert.Equal(new[] { "one", "two" }, ran);
        Assert.False(three.IsCompleted, "the third batch went on while the second one's command was in transit");

        second!.Dispose();
        Assert.Equal(new[] { "one", "two", "three", "late" }, ran);
        Assert.True(one.IsCompletedSuccessfully && two.IsCompletedSuccessfully && three.IsCompletedSuccessfully && late.IsCompletedSuccessfully);
        Assert.True(_order.WaitTurnAsync(CancellationToken.None).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task BlockingCommandsAreInUseWhileOneRunsAndAfterButAnExecIsNot()
    {
        Assert.False(_order.InUse);
        using (_order.EnterUntilAnswered())
        {
            Assert.False(_order.InUse);
        }

        Assert.False(_order.InUse);
        SmartBlockingOrder.Turn blocking = await _order.EnterAsync(null, CancellationToken.None);
        blocking.Arrived();
        Assert.True(_order.InUse);
        Assert.True(_order.WaitTurnAsync(CancellationToken.None).IsCompletedSuccessfully);

        // Answered: still in use, for a while (SmartBlockingOrder's Recent, a minute).
        blocking.Dispose();
        Assert.True(_order.InUse);
    }

    /// <summary>Runs <paramref name="then"/> where <paramref name="wait"/> completes, as an awaiting batch would.</summary>
    private static Task Then(Task wait, Action then)
        => wait.ContinueWith(_ => then(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
