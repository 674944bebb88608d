using System.Threading;

namespace RedisCluster.Engine.Tunnel.Hosting
{
    /// <summary>
    /// What the clients of one tunnel together hold of commands not yet run (their query buffers), against
    /// a limit for all of them: a few clients sending huge values at once must not take the memory the
    /// others need. Redis's nearest setting is <c>maxmemory-clients</c>.
    /// </summary>
    internal sealed class QueryBufferBudget
    {
        private long _total;

        /// <param name="totalLimit">Bytes all clients together may hold; 0 for no limit.</param>
        public QueryBufferBudget(long totalLimit)
        {
            TotalLimit = totalLimit;
        }

        public long TotalLimit { get; }

        /// <summary>Bytes held now by every client together.</summary>
        public long Total => Volatile.Read(ref _total);

        /// <param name="clientLimit">Bytes one client may hold (client-query-buffer-limit); 0 for no limit.</param>
        public QueryBufferAccount Open(long clientLimit) => new QueryBufferAccount(this, clientLimit);

        internal long Add(long delta) => Interlocked.Add(ref _total, delta);
    }
}
