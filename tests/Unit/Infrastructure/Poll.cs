namespace RedisCluster.Tests.Infrastructure;

/// <summary>Waits for a condition instead of a fixed time: the deadline only bounds a failure, it never decides a pass.</summary>
internal static class Poll
{
    /// <summary>Checks <paramref name="condition"/> every 20 ms until it holds (true) or <paramref name="deadline"/> has passed (false).</summary>
    public static bool Until(Func<bool> condition, TimeSpan deadline)
    {
        DateTime until = DateTime.UtcNow + deadline;
        while (!condition())
        {
            if (DateTime.UtcNow > until)
            {
                return false;
            }

            Thread.Sleep(20);
        }

        return true;
    }
}
