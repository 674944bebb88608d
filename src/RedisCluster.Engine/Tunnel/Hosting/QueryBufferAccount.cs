namespace RedisCluster.Engine.Tunnel.Hosting
{
    /// <summary>One client's share of a <see cref="QueryBufferBudget"/>: how much of its input the tunnel holds now.</summary>
    internal sealed class QueryBufferAccount
    {
        private readonly QueryBufferBudget _budget;
        private long _held;

        public QueryBufferAccount(QueryBufferBudget budget, long clientLimit)
        {
            _budget = budget;
            ClientLimit = clientLimit;
        }

        public long ClientLimit { get; }

        public long Held => _held;

        /// <summary>Records that the client's buffered input is now <paramref name="bytes"/> long and says whether that is within the limits.</summary>
        public QueryBufferVerdict Hold(long bytes)
        {
            long delta = bytes - _held;
            _held = bytes;
            long total = _budget.Add(delta);
            if (ClientLimit > 0 && bytes > ClientLimit)
            {
                return QueryBufferVerdict.OverClientLimit;
            }

            // Only a client whose buffer grows is refused: the one that pushed the total over, not the others.
            return _budget.TotalLimit > 0 && delta > 0 && total > _budget.TotalLimit ? QueryBufferVerdict.OverTotalLimit : QueryBufferVerdict.Within;
        }

        /// <summary>
        /// The client's input is no longer held. True when it was large: the caller should drop its references
        /// to the parsed arguments now, and the memory is given back (see <see cref="MemoryReclaim"/>).
        /// </summary>
        public bool Release()
        {
            bool large = _held >= MemoryReclaim.LargeInput;
            Hold(0);
            if (large)
            {
                MemoryReclaim.Request();
            }

            return large;
        }

        /// <summary>
        /// <see cref="Hold"/>, and when the input is over a limit, logs why the client is being closed. Like Redis
        /// past client-query-buffer-limit, the client gets no reply: the connection just closes.
        /// </summary>
        public bool Admit(long bytes, string client, TunnelContext context)
        {
            QueryBufferVerdict verdict = Hold(bytes);
            if (verdict == QueryBufferVerdict.Within)
            {
                return true;
            }

            context.Statistics.Error();
            context.Log.Warning(verdict == QueryBufferVerdict.OverClientLimit
                ? "Tunnel: closing " + client + ", which reached the query buffer limit (" + bytes + " bytes buffered, the limit is " + ClientLimit + ")."
                : "Tunnel: closing " + client + ": with its " + bytes + " bytes buffered, all clients together held more than the total query buffer limit of " + _budget.TotalLimit + " bytes.");
            Release();
            return false;
        }
    }
}
