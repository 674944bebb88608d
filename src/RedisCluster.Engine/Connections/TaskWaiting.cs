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
    }
}
