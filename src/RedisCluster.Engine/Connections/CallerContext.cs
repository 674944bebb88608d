using System;
using System.Threading;

namespace RedisCluster.Engine.Connections
{
    /// <summary>
    /// Starts long-lived work (a thread, an accept loop, a session) without the caller's execution context. In pwsh that
    /// context carries the runspace's culture and other async-locals; work started with it keeps it for good, and every
    /// socket continuation would restore it (and notify the culture's change handler) on whatever thread runs it.
    /// </summary>
    internal static class CallerContext
    {
        /// <summary>Runs <paramref name="start"/> with the flow of the execution context suppressed, and returns what it returns.</summary>
        public static T Without<T>(Func<T> start)
        {
            if (ExecutionContext.IsFlowSuppressed())
            {
                return start();
            }

            using (ExecutionContext.SuppressFlow())
            {
                return start();
            }
        }

        /// <summary>Runs <paramref name="start"/> with the flow of the execution context suppressed.</summary>
        public static void Without(Action start)
            => Without(() =>
            {
                start();
                return true;
            });
    }
}
