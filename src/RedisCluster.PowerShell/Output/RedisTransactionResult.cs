using RedisCluster.Engine.Transactions;

namespace RedisCluster.PowerShell.Output
{
    /// <summary>What Invoke-RedisTransaction -Detailed writes: how the transaction ended, with the EXEC replies.</summary>
    public sealed class RedisTransactionResult
    {
        internal RedisTransactionResult(TransactionStatus status, string[] commands, object?[] replies, int attempts, string? node, int? slot, string[] watched)
        {
            Status = status;
            Commands = commands;
            Replies = replies;
            Attempts = attempts;
            Node = node;
            Slot = slot;
            Watched = watched;
        }

        public TransactionStatus Status { get; }

        /// <summary>True when EXEC ran the commands (each reply may still be an error: see <see cref="Replies"/>).</summary>
        public bool Committed => Status == TransactionStatus.Committed;

        /// <summary>The queued commands, as text (secrets masked).</summary>
        public string[] Commands { get; }

        /// <summary>One reply per command when committed (a RedisErrorReply for a command that failed); empty otherwise.</summary>
        public object?[] Replies { get; }

        /// <summary>How many times the block ran.</summary>
        public int Attempts { get; }

        public string? Node { get; }

        public int? Slot { get; }

        public string[] Watched { get; }
    }
}
