namespace RedisCluster.Engine.Transactions
{
    /// <summary>How a transaction ended.</summary>
    public enum TransactionStatus
    {
        /// <summary>EXEC ran every queued command; each has its own reply, which may be an error.</summary>
        Committed,

        /// <summary>A watched key changed after WATCH (EXEC returned null), on the last attempt allowed: nothing ran.</summary>
        Aborted,

        /// <summary>The block queued nothing, so no MULTI/EXEC was sent.</summary>
        NothingQueued,

        /// <summary>ShouldProcess (-WhatIf, -Confirm) declined the EXEC: nothing ran.</summary>
        Declined,
    }
}
