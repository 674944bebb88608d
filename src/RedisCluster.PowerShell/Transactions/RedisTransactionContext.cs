using System;
using System.Linq;
using System.Management.Automation;
using System.Text;
using System.Threading;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Transactions;
using RedisCluster.PowerShell.Conversion;

namespace RedisCluster.PowerShell.Transactions
{
    /// <summary>
    /// What the block of Invoke-RedisTransaction receives (as its first argument and as $_): Read runs a command
    /// now on the transaction's connection, after WATCH; Queue adds a command to MULTI/EXEC. Both take a command
    /// line ('INCR counter') or the arguments one by one ('SET', $key, $value), as Invoke-RedisCommand does.
    /// </summary>
    public sealed class RedisTransactionContext
    {
        private readonly RedisTransaction _transaction;
        private readonly bool _asBytes;
        private readonly CancellationToken _cancellationToken;

        internal RedisTransactionContext(RedisTransaction transaction, bool asBytes, CancellationToken cancellationToken)
        {
            _transaction = transaction;
            _asBytes = asBytes;
            _cancellationToken = cancellationToken;
        }

        /// <summary>1 on the first run of the block, then 2, 3... when it runs again because a watched key changed.</summary>
        public int Attempt => _transaction.Attempt;

        public string[] Watched => _transaction.WatchedKeys.Select(k => Encoding.UTF8.GetString(k)).ToArray();

        /// <summary>The commands queued so far, as text (secrets masked).</summary>
        public string[] Queued => _transaction.Queued.Select(c => c.ToDisplayString()).ToArray();

        /// <summary>The hash slot of the transaction's keys on a cluster (null before the first key, and on one server).</summary>
        public int? Slot => _transaction.Slot;

        /// <summary>The node the transaction's connection is open to (null until it is needed).</summary>
        public string? Node => _transaction.Node?.ToString();

        /// <summary>Queues a command to run inside MULTI/EXEC when the block ends.</summary>
        public void Queue(params object[] command)
            => _transaction.QueueAsync(Build(command), _cancellationToken).GetAwaiter().GetResult();

        /// <summary>Runs a command that does not write now and returns its reply (an error reply throws).</summary>
        public object? Read(params object[] command)
        {
            RedisCommand built = Build(command);
            RespValue reply = _transaction.ReadAsync(built, _cancellationToken).GetAwaiter().GetResult();
            if (reply.IsError)
            {
                throw new RedisServerErrorException(built.Scrub(reply.GetString() ?? string.Empty), built.ToDisplayString());
            }

            return ReplyConverter.ToObject(reply, _asBytes);
        }

        public override string ToString()
            => "Transaction attempt " + Attempt + ": " + (Queued.Length == 0 ? "nothing queued" : string.Join("; ", Queued));

        private static RedisCommand Build(object[]? command)
        {
            if (command == null || command.Length == 0)
            {
                throw new ArgumentException("Give a command, for example $tx.Queue('INCR counter') or $tx.Queue('SET', $key, $value).");
            }

            return CommandInput.Build(command[0], null, command.Skip(1).ToArray());
        }
    }
}
