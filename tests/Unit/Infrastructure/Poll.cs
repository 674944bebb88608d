namespace RedisCluster.Tests.Infrastructure;

/// <summary>Waits for a condition instead of a fixed time: the deadline only bounds a failure, it never decides a pass.</summary>
internal static class Poll
{
    /// <summary>
    /// A deadline for conditions that hold within moments on an idle machine: long enough that a loaded 2-core machine
    /// never reaches it, so reaching it means a hang, not slowness.
    /// </summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

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

    /// <summary>The asynchronous <see cref="Until"/>: awaits <paramref name="condition"/> every 20 ms until it holds (true) or <paramref name="deadline"/> has passed (false).</summary>
    public static async Task<bool> UntilAsync(Func<Task<bool>> condition, TimeSpan deadline)
    {
        DateTime until = DateTime.UtcNow + deadline;
        while (!await condition())
        {
            if (DateTime.UtcNow > until)
            {
                return false;
            }

            await Task.Delay(20);
        }

        return true;
    }
}
