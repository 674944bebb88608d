using RedisCluster.Tests.Infrastructure;

namespace RedisCluster.Bench;

/// <summary>The resident memory of a tunnel host once it has stopped moving.</summary>
internal static class SettledMemory
{
    private const int SettleWindow = 10;
    private static readonly TimeSpan SettleBound = TimeSpan.FromSeconds(120);

    /// <summary>
    /// Waits until the tunnel's resident memory holds still (over <see cref="SettleWindow"/> samples it moves less
    /// than 1%), up to <see cref="SettleBound"/>: a quiet process hands memory back over a few seconds (a reclaim
    /// after a crowd leaves, regions decommitted), so a reading at a fixed moment measures how fast, not how much.
    /// </summary>
    public static (long Resident, TimeSpan Took) Read(TunnelHostProcess host)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var window = new Queue<long>();
        while (host.IsRunning)
        {
            window.Enqueue(host.ResidentBytes);
            if (window.Count > SettleWindow)
            {
                window.Dequeue();
            }

            if ((window.Count == SettleWindow && window.Max() - window.Min() < window.Max() / 100) || clock.Elapsed > SettleBound)
            {
                return (window.Last(), clock.Elapsed);
            }

            Thread.Sleep(500);
        }

        return (0, clock.Elapsed);
    }
}
