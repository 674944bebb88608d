using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Client;

namespace RedisCluster.Engine.Transactions
{
    /// <summary>
    /// Runs a transaction block as an optimistic-locking loop: WATCH, the block (reads and queued commands),
    /// MULTI ... EXEC; when a watched key changed, the block runs again from WATCH, up to the retries allowed.
    /// The block runs on the calling thread (a PowerShell script block must run on its pipeline thread), so
    /// this waits for the network synchronously.
    /// </summary>
    public static class RedisTransactionRunner
    {
        /// <param name="confirm">Asked before EXEC with the queued commands; false sends nothing more (ShouldProcess).</param>
        public static RedisTransactionOutcome Run(RedisClient client, IReadOnlyList<byte[]> watchedKeys, Action<RedisTransaction> body,
            Func<RedisTransaction, bool>? confirm, int retryCount, CancellationToken cancellationToken)
        {
            bool restarted = false;
            var jitter = new Random();
            for (int attempt = 1; ; attempt++)
            {
                RedisTransactionOutcome outcome;
                using (var transaction = new RedisTransaction(client, watchedKeys, attempt))
                {
                    try
                    {
                        Wait(transaction.WatchAsync(cancellationToken));
                        body(transaction);
                        if (transaction.Queued.Count > 0 && confirm != null && !confirm(transaction))
                        {
                            return new RedisTransactionOutcome(TransactionStatus.Declined, transaction.Queued, Array.Empty<Commands.RedisReply>(),
                                attempt, transaction.Node, transaction.Slot);
                        }

                        outcome = Wait(transaction.ExecuteAsync(attempt, cancellationToken));
                    }
                    catch (TransactionRestart) when (!restarted)
                    {
                        // The slot moved before anything ran: once, the same attempt again on the new owner.
                        restarted = true;
                        attempt--;
                        continue;
                    }
                }

                if (outcome.Status != TransactionStatus.Aborted || attempt > retryCount)
                {
                    return outcome;
                }

                // Clients that collided are likely to collide again at once: a short random pause spreads them out.
                Wait(Task.Delay(jitter.Next(0, Math.Min(50, 2 << Math.Min(attempt, 5))), cancellationToken));
            }
        }

        private static void Wait(Task task) => task.GetAwaiter().GetResult();

        private static T Wait<T>(Task<T> task) => task.GetAwaiter().GetResult();
    }
}
