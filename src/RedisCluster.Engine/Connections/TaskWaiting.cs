using System.Threading;
using System.Threading.Tasks;

namespace RedisCluster.Engine.Connections
{
    /// <summary>
    /// netstandard2.0 has no Task.WaitAsync: stop waiting for work that keeps running (a reply still due,
    /// a connection still opening) when the caller cancels.
    /// </summary>
    internal static class TaskWaiting
    {
        public static async Task WaitAsync(Task task, CancellationToken cancellationToken)
        {
            if (!task.IsCompleted && cancellationToken.CanBeCanceled)
            {
                var cancelled = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                using (cancellationToken.Register(() => cancelled.TrySetCanceled()))
                {
                    await Task.WhenAny(task, cancelled.Task).ConfigureAwait(false);
                }

                cancellationToken.ThrowIfCancellationRequested();
            }

            await task.ConfigureAwait(false);
        }

        /// <summary>
        /// Waits for <paramref name="task"/> for at most <paramref name="limit"/> and returns either way (a wait for
        /// order that must not become a hang); throws only when the caller cancels.
        /// </summary>
        public static async Task WaitAtMostAsync(Task task, System.TimeSpan limit, CancellationToken cancellationToken)
        {
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                await Task.WhenAny(task, Task.Delay(limit, timeout.Token)).ConfigureAwait(false);
                timeout.Cancel();
                cancellationToken.ThrowIfCancellationRequested();
            }
        }

        /// <summary>
        /// <paramref name="source"/>'s task, completed (true) at <paramref name="limit"/> if nothing completed it first, or
        /// cancelled with <paramref name="cancellationToken"/>. Unlike <see cref="WaitAtMostAsync"/>, whoever completes the
        /// source runs the awaiting code there and then (no RunContinuationsAsynchronously): a continuation of Task.WhenAny's
        /// task would not run inline.
        /// </summary>
        public static Task EndAtMost(TaskCompletionSource<bool> source, System.TimeSpan limit, CancellationToken cancellationToken)
        {
            var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timer.Token.Register(() =>
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    source.TrySetCanceled(cancellationToken);
                }
                else
                {
                    source.TrySetResult(true);
                }
            });
            timer.CancelAfter(limit);

            // Registered first, so it runs before the awaiting code: the timer and the link to the caller's token end with the wait.
            source.Task.ContinueWith((_, state) => ((CancellationTokenSource)state!).Dispose(), timer, CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return source.Task;
        }
    }
}
