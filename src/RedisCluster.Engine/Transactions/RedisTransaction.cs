using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Client;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Routing;

namespace RedisCluster.Engine.Transactions
{
    /// <summary>
    /// One attempt at a MULTI/EXEC transaction on a connection of its own (a pooled connection is shared, so its
    /// WATCH and MULTI state would mix with other calls). WATCH goes first; reads run at once on the same
    /// connection, so the block can read the watched keys; queued commands are sent as MULTI ... EXEC in one
    /// write at the end. On a cluster every key must hash to one slot: a command that breaks this is refused
    /// before anything of the transaction is sent. Closing the connection (Dispose) drops any WATCH.
    /// </summary>
    public sealed class RedisTransaction : IDisposable
    {
        private readonly RedisClient _client;
        private readonly ClusterRedisClient? _cluster;
        private readonly List<RedisCommand> _queued = new List<RedisCommand>();
        private RedisConnection? _connection;
        private int? _slot;
        private string _slotHolder = string.Empty;

        internal RedisTransaction(RedisClient client, IReadOnlyList<byte[]> watchedKeys, int attempt)
        {
            _client = client;
            _cluster = client as ClusterRedisClient;
            WatchedKeys = watchedKeys;
            Attempt = attempt;
        }

        public IReadOnlyList<byte[]> WatchedKeys { get; }

        /// <summary>1 for the first run of the block, 2 for the first retry after a watched key changed, and so on.</summary>
        public int Attempt { get; }

        public IReadOnlyList<RedisCommand> Queued => _queued;

        /// <summary>The slot the keys so far hash to, on a cluster; null before the first key (and on one server).</summary>
        public int? Slot => _slot;

        /// <summary>The node of the transaction's connection, once it is open.</summary>
        public RedisEndpoint? Node => _connection?.Endpoint;

        /// <summary>Sends WATCH for the watched keys (nothing when there are none).</summary>
        internal async Task WatchAsync(CancellationToken cancellationToken)
        {
            if (WatchedKeys.Count == 0)
            {
                return;
            }

            var arguments = new List<byte[]> { System.Text.Encoding.ASCII.GetBytes("WATCH") };
            arguments.AddRange(WatchedKeys);
            RedisCommand watch = RedisCommand.Create(arguments);
            await BindSlotAsync(watch, "the watched keys", "WATCH holds slot ", cancellationToken).ConfigureAwait(false);
            RespValue reply = await SendAsync(watch, cancellationToken).ConfigureAwait(false);
            if (reply.IsError)
            {
                throw new RedisTransactionException("WATCH was refused: " + watch.Scrub(reply.GetString() ?? string.Empty));
            }
        }

        /// <summary>
        /// Runs a command now, on the transaction's connection (after WATCH, before MULTI): a read of the watched
        /// keys, for instance. Commands that write are refused: they would run outside the transaction.
        /// </summary>
        public async Task<RespValue> ReadAsync(RedisCommand command, CancellationToken cancellationToken = default)
        {
            RefuseControlCommand(command);
            CommandInfo? info = (await _client.GetCommandTableAsync(cancellationToken).ConfigureAwait(false)).Find(command);
            if (info != null && info.IsWrite)
            {
                throw new RedisTransactionException("'" + command.ToDisplayString(32) + "' writes, and a read runs at once, outside MULTI/EXEC: "
                    + "queue it (Queue) to run it inside the transaction, or run it with Invoke-RedisCommand before or after.");
            }

            await BindSlotAsync(command, DescribeHolder(command), "The transaction holds slot ", cancellationToken).ConfigureAwait(false);
            return await SendAsync(command, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Queues a command for MULTI/EXEC; nothing is sent until the transaction is executed.</summary>
        public async Task QueueAsync(RedisCommand command, CancellationToken cancellationToken = default)
        {
            RefuseControlCommand(command);
            await BindSlotAsync(command, DescribeHolder(command), "The transaction holds slot ", cancellationToken).ConfigureAwait(false);
            _queued.Add(command);
        }

        /// <summary>Sends MULTI, the queued commands and EXEC in one write and reads what EXEC did.</summary>
        internal async Task<RedisTransactionOutcome> ExecuteAsync(int attempts, CancellationToken cancellationToken)
        {
            if (_queued.Count == 0)
            {
                return new RedisTransactionOutcome(TransactionStatus.NothingQueued, _queued, Array.Empty<RedisReply>(), attempts, Node, _slot);
            }

            var batch = new List<RedisCommand>(_queued.Count + 2) { MultiCommand };
            batch.AddRange(_queued);
            batch.Add(ExecCommand);
            RedisConnection connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
            RedisReply[] replies = await connection.ExecuteBatchAsync(batch, cancellationToken).ConfigureAwait(false);
            if (replies[0].Value.IsError)
            {
                throw new RedisTransactionException("MULTI was refused: " + replies[0].Value.GetString());
            }

            for (int i = 1; i <= _queued.Count; i++)
            {
                await ThrowIfMovedAsync(replies[i].Value, cancellationToken).ConfigureAwait(false);
            }

            RespValue exec = replies[replies.Length - 1].Value;
            if (exec.IsNull)
            {
                return new RedisTransactionOutcome(TransactionStatus.Aborted, _queued, Array.Empty<RedisReply>(), attempts, connection.Endpoint, _slot);
            }

            if (exec.IsError)
            {
                throw new RedisTransactionException(DescribeRefusal(exec, replies));
            }

            TimeSpan elapsed = replies[replies.Length - 1].Elapsed;
            var results = new RedisReply[_queued.Count];
            for (int i = 0; i < results.Length; i++)
            {
                RespValue value = i < exec.Items.Count ? exec.Items[i] : RespValue.Error("ERR EXEC returned fewer replies than commands were queued");
                results[i] = new RedisReply(_queued[i], value, connection.Endpoint, elapsed, _slot);
            }

            return new RedisTransactionOutcome(TransactionStatus.Committed, _queued, results, attempts, connection.Endpoint, _slot);
        }

        public void Dispose() => _connection?.Dispose();

        private static readonly RedisCommand MultiCommand = RedisCommand.Create("MULTI");
        private static readonly RedisCommand ExecCommand = RedisCommand.Create("EXEC");

        private static void RefuseControlCommand(RedisCommand command)
        {
            switch (command.Name)
            {
                case "MULTI":
                case "EXEC":
                case "DISCARD":
                case "WATCH":
                case "UNWATCH":
                    throw new RedisTransactionException(command.Name + " cannot be used inside a transaction block: the block's commands already run in "
                        + "MULTI/EXEC, and the keys to watch are given with -Watch.");
            }
        }

        private static string DescribeHolder(RedisCommand command) => "the transaction's first key ('" + command.ToDisplayString(32) + "')";

        /// <summary>
        /// On a cluster, checks that the command's keys share one slot and that it is the transaction's slot
        /// (the first keyed command or WATCH binds it): otherwise the CROSSSLOT explanation, and nothing sent.
        /// </summary>
        private async Task BindSlotAsync(RedisCommand command, string holder, string holds, CancellationToken cancellationToken)
        {
            if (_cluster == null)
            {
                return;
            }

            IReadOnlyList<int> keys = await _cluster.GetKeyIndicesAsync(command, cancellationToken).ConfigureAwait(false);
            if (keys.Count == 0)
            {
                return;
            }

            int slot = HashSlot.GetSlot(command.Arguments[keys[0]].Span);
            if (keys.Any(k => HashSlot.GetSlot(command.Arguments[k].Span) != slot))
            {
                RespValue explained = CrossSlotExplainer.Explain(RespValue.Error("CROSSSLOT Keys in request don't hash to the same slot"), command, keys, _cluster.Slots);
                throw new RedisCrossSlotException(explained.GetString() + " Nothing of the transaction was sent.");
            }

            if (_slot == null)
            {
                _slot = slot;
                _slotHolder = holder;
                return;
            }

            if (slot != _slot.Value)
            {
                RespValue explained = CrossSlotExplainer.ExplainHeldSlot(command, keys, _slot.Value, _slotHolder, holds, _cluster.Slots);
                throw new RedisCrossSlotException(explained.GetString() + " Nothing of the transaction was sent.");
            }
        }

        /// <summary>Sends one command now; a MOVED means the slot went elsewhere before anything ran: start over there.</summary>
        private async Task<RespValue> SendAsync(RedisCommand command, CancellationToken cancellationToken)
        {
            RedisConnection connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
            RespValue reply = await connection.ExecuteAsync(command, cancellationToken).ConfigureAwait(false);
            await ThrowIfMovedAsync(reply, cancellationToken).ConfigureAwait(false);
            return reply;
        }

        private async Task ThrowIfMovedAsync(RespValue reply, CancellationToken cancellationToken)
        {
            if (_cluster != null && ErrorReplyClassifier.Classify(reply) == ErrorReplyKind.Moved)
            {
                await _cluster.LearnMovedAsync(reply, _connection?.Endpoint ?? _client.Endpoint, cancellationToken).ConfigureAwait(false);
                throw new TransactionRestart("The slot of the transaction moved while it was prepared (" + reply.GetString()
                    + ") and moved again after the topology was refreshed; nothing of it ran.");
            }
        }

        /// <summary>The connection, opened on the node that owns the transaction's slot (a primary), or reopened there when the slot was bound after a keyless read.</summary>
        private async Task<RedisConnection> ConnectAsync(CancellationToken cancellationToken)
        {
            RedisEndpoint target = Target();
            if (_connection != null && _connection.IsConnected && _connection.Endpoint.Equals(target))
            {
                return _connection;
            }

            if (_connection != null && WatchedKeys.Count > 0)
            {
                // The WATCH lived on that connection: going on without it would drop the optimistic lock silently.
                throw new RedisConnectionException(_connection.Endpoint.ToString(), "The connection of the transaction to " + _connection.Endpoint
                    + " was lost after WATCH; nothing of the transaction ran.", _connection.Failure);
            }

            _connection?.Dispose();
            _connection = null;
            _connection = await _client.OpenDedicatedAsync(target, cancellationToken).ConfigureAwait(false);
            return _connection;
        }

        private RedisEndpoint Target()
        {
            if (_cluster == null)
            {
                return _client.Endpoint;
            }

            RedisEndpoint? owner = _slot != null ? _cluster.Slots[_slot.Value] : _connection?.Endpoint ?? _cluster.DefaultPrimary;
            return owner ?? throw new RedisConnectionException(_client.Endpoint.ToString(), "No node of the cluster owns slot " + _slot
                + " now (the cluster may be failing over); nothing of the transaction was sent.");
        }

        /// <summary>EXECABORT: the server refused queued commands, so none ran. Names each one with its error.</summary>
        private string DescribeRefusal(RespValue exec, RedisReply[] replies)
        {
            var text = new System.Text.StringBuilder((exec.GetString() ?? "EXECABORT").TrimEnd('.')).Append(". Nothing of the transaction ran. Refused: ");
            bool first = true;
            for (int i = 1; i <= _queued.Count; i++)
            {
                if (replies[i].Value.IsError)
                {
                    text.Append(first ? string.Empty : "; ").Append("command ").Append(i).Append(" '").Append(_queued[i - 1].ToDisplayString(32))
                        .Append("': ").Append(_queued[i - 1].Scrub(replies[i].Value.GetString() ?? string.Empty));
                    first = false;
                }
            }

            return text.ToString();
        }
    }
}
