using RedisCluster.Engine.Tunnel;
using RedisCluster.Tests.Routing;
using RedisCluster.Tests.Infrastructure;
using Xunit;
using RedisCluster.Engine.Tunnel.Hosting;

namespace RedisCluster.Tests.Tunnel.Hosting;

/// <summary>The tunnel log writes a few of each kind of warning per window and sums up the rest.</summary>
public sealed class WarningThrottleTests
{
    private static readonly DateTime Start = new(2026, 12, 4, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void WarningsThatDifferOnlyInNumbersAndDetailsAreOneKind()
    {
        Assert.Equal(
            WarningThrottle.KindOf("Tunnel: smart client 127.0.0.1:5001 sent invalid RESP (expected '$', got 'x' (at byte 4 of the frame)); disconnected."),
            WarningThrottle.KindOf("Tunnel: smart client 127.0.0.1:61234 sent invalid RESP (invalid bulk length); disconnected."));
        Assert.NotEqual(
            WarningThrottle.KindOf("Tunnel: client 127.0.0.1:5001 sent invalid RESP (x); disconnected."),
            WarningThrottle.KindOf("Tunnel: refused client 127.0.0.1:5001 on 127.0.0.1:6379: max number of clients reached (10, -MaxClients)."));
    }

    [Fact]
    public void AFloodOfOneKindPassesAFewAndIsSummedUpWhenTheWindowEnds()
    {
        var throttle = new WarningThrottle(TimeSpan.FromSeconds(10), passedPerWindow: 3);
        int passed = 0;
        for (int i = 0; i < 2317; i++)
        {
            if (throttle.Admit("Tunnel: client 127.0.0.1:" + (1000 + i) + " sent invalid RESP (x); disconnected.", Start.AddMilliseconds(i)))
            {
                passed++;
            }
        }

        Assert.True(throttle.Admit("Tunnel: accepting on 127.0.0.1:6379 failed: boom; trying again in 10 ms.", Start.AddSeconds(1)));
        Assert.Equal(3, passed);
        Assert.Empty(throttle.TakeSummaries(Start.AddSeconds(9)));
        string summary = Assert.Single(throttle.TakeSummaries(Start.AddSeconds(10)));
        Assert.Equal("... and 2,314 more like this in the last 10 s; the latest: Tunnel: client 127.0.0.1:3316 sent invalid RESP (x); disconnected.", summary);

        // A new window starts over.
        Assert.True(throttle.Admit("Tunnel: client 127.0.0.1:1 sent invalid RESP (x); disconnected.", Start.AddSeconds(12)));
    }

    [Fact]
    public void TheTunnelLogWritesTheSummaryWithoutAnotherWarning()
    {
        // The window is short so that the log's timer ends it while the test waits. How many windows the 50
        // warnings span depends on the machine's load, so the test checks that every warning is accounted
        // for (written, or counted in a summary), not how many of each.
        var inner = new CapturingLog();
        using var log = new TunnelEventLog(inner, TimeSpan.FromMilliseconds(200), 2);
        for (int i = 0; i < 50; i++)
        {
            log.Warning("Tunnel: client 127.0.0.1:" + i + " sent invalid RESP (x); disconnected.");
        }

        Assert.True(Poll.Until(() => Accounted(inner, "sent invalid RESP") == 50, TimeSpan.FromSeconds(30)), string.Join("\n", inner.Messages));
        Assert.Contains(inner.Messages, m => m.Contains("more like this", StringComparison.Ordinal));
    }

    [Fact]
    public void TheTunnelLogSumsUpWhatItHeldBackWhenItCloses()
    {
        var inner = new CapturingLog();
        using (var log = new TunnelEventLog(inner, TimeSpan.FromHours(1), 2))
        {
            log.Warning("Tunnel: refused client 127.0.0.1:1 on 127.0.0.1:2: max number of clients reached (1, -MaxClients).");
            log.Warning("Tunnel: refused client 127.0.0.1:2 on 127.0.0.1:2: max number of clients reached (1, -MaxClients).");
            log.Warning("Tunnel: refused client 127.0.0.1:3 on 127.0.0.1:2: max number of clients reached (1, -MaxClients).");
            Assert.Equal(2, inner.Messages.Count);
        }

        Assert.Equal(3, inner.Messages.Count);
        Assert.StartsWith("W ... and 1 more like this in the last ", inner.Messages.Last(), StringComparison.Ordinal);
    }

    /// <summary>Warnings containing <paramref name="fragment"/> that were written, plus those counted in summaries.</summary>
    private static int Accounted(CapturingLog log, string fragment)
    {
        int total = 0;
        foreach (string message in log.Messages.Where(m => m.Contains(fragment, StringComparison.Ordinal)))
        {
            var summary = System.Text.RegularExpressions.Regex.Match(message, @"\.\.\. and ([\d,]+) more like this");
            total += summary.Success ? int.Parse(summary.Groups[1].Value, System.Globalization.NumberStyles.AllowThousands, System.Globalization.CultureInfo.InvariantCulture) : 1;
        }

        return total;
    }
}
