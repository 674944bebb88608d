using System.Collections.Generic;
using RedisCluster.Engine;
using RedisCluster.Engine.Transactions;

namespace RedisCluster.PowerShell.Output
{
    /// <summary>What Invoke-RedisTransaction -Detailed writes: how the transaction ended, with the EXEC replies.</summary>
    public sealed class RedisTransactionResult
    {
        internal RedisTransactionResult(TransactionStatus status, string[] commands, object?[] replies, int attempts, string? node, int? slot, string[] watched)
        {
            Status = status;
            // Readable lists, so that a CSV cell or a string shows the items, not the array's type name.
            Commands = new ReadableList<string>(commands, "; ");
            Replies = (IReadOnlyList<object?>)RedisDetailedReply.Readable(replies)!;
            Attempts = attempts;
            Node = node;
            Slot = slot;
            Watched = new ReadableList<string>(watched, ",");
        }

        public TransactionStatus Status { get; }

        /// <summary>True when EXEC ran the commands (each reply may still be an error: see <see cref="Replies"/>).</summary>
        public bool Committed => Status == TransactionStatus.Committed;

        /// <summary>The queued commands, as text (secrets masked).</summary>
        public IReadOnlyList<string> Commands { get; }

        /// <summary>One reply per command when committed (a RedisErrorReply for a command that failed); empty otherwise.</summary>
        public IReadOnlyList<object?> Replies { get; }

        /// <summary>How many times the block ran.</summary>
        public int Attempts { get; }

        public string? Node { get; }

        public int? Slot { get; }

        public IReadOnlyList<string> Watched { get; }
    }
}
