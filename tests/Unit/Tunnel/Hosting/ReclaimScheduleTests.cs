using RedisCluster.Engine.Tunnel.Hosting;
using Xunit;

namespace RedisCluster.Tests.Tunnel.Hosting;

/// <summary>
/// When a requested reclaim runs: once the requests pause (a crowd still leaving keeps asking), within a bound of
/// the first request, and a minimum interval after the last collection. Pure arithmetic on given times.
/// </summary>
public sealed class ReclaimScheduleTests
{
    private static readonly DateTime Start = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void ALoneRequestIsCollectedOnceThingsWentQuiet()
    {
        Assert.Equal(ReclaimSchedule.Quiet, ReclaimSchedule.Wait(Start, Start, Start, DateTime.MinValue));
        Assert.Equal(TimeSpan.Zero, ReclaimSchedule.Wait(Start + ReclaimSchedule.Quiet, Start, Start, DateTime.MinValue));
    }

    [Fact]
    public void ALaterRequestPutsTheCollectionBack()
    {
        // The first quarter of a crowd's departure asked; the rest of it is still leaving and asks again.
        DateTime later = Start + TimeSpan.FromMilliseconds(400);
        DateTime now = Start + ReclaimSchedule.Quiet;
        Assert.Equal(later + ReclaimSchedule.Quiet - now, ReclaimSchedule.Wait(now, Start, later, DateTime.MinValue));
    }

    [Fact]
    public void RequestsThatNeverStopCannotPostponeItBeyondTheBound()
    {
        DateTime now = Start + ReclaimSchedule.MostDelay;
        Assert.Equal(TimeSpan.Zero, ReclaimSchedule.Wait(now, Start, now, DateTime.MinValue));
        DateTime almost = Start + ReclaimSchedule.MostDelay - TimeSpan.FromMilliseconds(100);
        Assert.Equal(TimeSpan.FromMilliseconds(100), ReclaimSchedule.Wait(almost, Start, almost, DateTime.MinValue));
    }

    [Fact]
    public void CollectionsStayTheMinimumIntervalApart()
    {
        DateTime collected = Start - TimeSpan.FromSeconds(1);
        DateTime now = Start + ReclaimSchedule.Quiet;
        Assert.Equal(collected + ReclaimSchedule.MinimumInterval - now, ReclaimSchedule.Wait(now, Start, Start, collected));
        Assert.Equal(TimeSpan.Zero, ReclaimSchedule.Wait(collected + ReclaimSchedule.MinimumInterval, Start, Start, collected));
    }
}
