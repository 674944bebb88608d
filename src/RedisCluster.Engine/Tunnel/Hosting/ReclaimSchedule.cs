using System;

namespace RedisCluster.Engine.Tunnel.Hosting
{
    /// <summary>
    /// When a requested reclaim may run. Not at the first request: a crowd of thousands takes a while to close,
    /// and a collection while most of its sessions are still being torn down frees little, after which the quiet
    /// tunnel never collects again (the soak saw 1.20-1.25 times the start). So it waits until the requests have
    /// stopped for a moment, but never longer than a bound after the first (clients that keep leaving one by one
    /// must not postpone it for ever), and keeps collections a minimum interval apart.
    /// </summary>
    internal static class ReclaimSchedule
    {
        /// <summary>Quiet after the last request before collecting: the sessions drop their references meanwhile.</summary>
        public static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(500);

        /// <summary>Longest a stream of requests may postpone the collection.</summary>
        public static readonly TimeSpan MostDelay = TimeSpan.FromSeconds(10);

        /// <summary>Least time between two collections.</summary>
        public static readonly TimeSpan MinimumInterval = TimeSpan.FromSeconds(5);

        /// <summary>How long to wait still before collecting (zero: collect now).</summary>
        /// <param name="now">The time now.</param>
        /// <param name="firstRequest">The first request since the last collection.</param>
        /// <param name="lastRequest">The latest request.</param>
        /// <param name="lastCollection">The last collection (<see cref="DateTime.MinValue"/> if none).</param>
        public static TimeSpan Wait(DateTime now, DateTime firstRequest, DateTime lastRequest, DateTime lastCollection)
        {
            DateTime due = lastRequest + Quiet;
            DateTime latest = firstRequest + MostDelay;
            if (due > latest)
            {
                due = latest;
            }

            DateTime spaced = lastCollection == DateTime.MinValue ? DateTime.MinValue : lastCollection + MinimumInterval;
            if (due < spaced)
            {
                due = spaced;
            }

            return due > now ? due - now : TimeSpan.Zero;
        }
    }
}
