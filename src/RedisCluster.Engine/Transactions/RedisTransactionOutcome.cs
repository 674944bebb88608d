using System.Collections.Generic;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;

namespace RedisCluster.Engine.Transactions
{
    /// <summary>What a transaction did: its status, the EXEC replies in the order of the queued commands, where it ran.</summary>
    public sealed class RedisTransactionOutcome
    {
        public RedisTransactionOutcome(TransactionStatus status, IReadOnlyList<RedisCommand> commands, IReadOnlyList<RedisReply> replies,
            int attempts, RedisEndpoint? node, int? slot)
        {
            Status = status;
            Commands = commands;
            Replies = replies;
            Attempts = attempts;
            Node = node;
            Slot = slot;
        }

        public TransactionStatus Status { get; }

        /// <summary>The commands queued by the last attempt.</summary>
        public IReadOnlyList<RedisCommand> Commands { get; }

        /// <summary>One reply per queued command when <see cref="Status"/> is Committed; empty otherwise.</summary>
        public IReadOnlyList<RedisReply> Replies { get; }

        /// <summary>How many times the block ran (1 plus the retries after watched keys changed).</summary>
        public int Attempts { get; }

        /// <summary>The node the last attempt ran on; null when it needed no connection.</summary>
        public RedisEndpoint? Node { get; }

        /// <summary>The hash slot all keys of the transaction share, on a cluster; null otherwise.</summary>
        public int? Slot { get; }
    }
}
