using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Tunnel.Hosting;

namespace RedisCluster.Engine.Tunnel.Smart
{
    /// <summary>
    /// A smart-mode client's own upstream connection, for the state that the shared connections cannot
    /// hold for one client: a blocking command waits on it, and a WATCH pins the client to it until EXEC,
    /// DISCARD, UNWATCH or RESET, so the server that checks the watched keys at EXEC is the one that
    /// registered them. A connection replaced while a WATCH is on it loses that WATCH, and the
    /// transaction is then refused rather than run unguarded.
    /// </summary>
    internal sealed class SmartPin : IDisposable
    {
        private readonly TunnelContext _context;
        private readonly SmartBackend _backend;
        private RedisConnection? _connection;

        public SmartPin(TunnelContext context, SmartBackend backend)
        {
            _context = context;
            _backend = backend;
        }

        /// <summary>The slot of the watched keys, or -1 when the client watches nothing.</summary>
        public int WatchedSlot { get; private set; } = -1;

        public bool IsWatching => WatchedSlot >= 0;

        /// <summary>
        /// The WATCH can no longer be checked: its connection broke or its slot moved to another node.
        /// The client stays in the WATCH state (its EXEC is refused) until it ends it.
        /// </summary>
        public bool Lost { get; private set; }

        /// <summary>Commands of the watched slot run on the pinned connection now.</summary>
        public bool IsPinned => Pinned != null;

        /// <summary>The connection that holds a WATCH still in force; null otherwise.</summary>
        private RedisConnection? Pinned => IsWatching && !Lost ? _connection : null;

        /// <summary>
        /// Runs <paramref name="run"/> on a connection to the primary of <paramref name="slot"/>, retrying a
        /// few times with a fresh topology when the slot is moving, the cluster is failing over, or the
        /// connection breaks.
        /// </summary>
        public Task<RespValue> RunOnOwnerAsync(int slot, Func<RedisConnection, Task<RespValue>> run, CancellationToken cancellationToken)
            => SmartOwnerAttempts.RunAsync(_backend, slot, owner => OpenAsync(owner, cancellationToken), _ => Close(), run, cancellationToken);

        /// <summary>
        /// WATCH with keys of <paramref name="slot"/>. The first one pins the client to a connection to the
        /// slot's primary; later ones add keys on that connection.
        /// </summary>
        public async Task<RespValue> WatchAsync(RedisCommand watch, int slot, CancellationToken cancellationToken)
        {
            if (IsWatching)
            {
                RedisConnection? pinned = Pinned;
                if (pinned == null)
                {
                    // Nothing to add the keys to; EXEC is refused anyway.
                    return RespValue.Ok;
                }

                try
                {
                    RespValue more = await pinned.ExecuteAsync(watch, cancellationToken).ConfigureAwait(false);
                    if (!IsSlotMoving(more))
                    {
                        return more;
                    }
                }
                catch (RedisException ex)
                {
                    _context.Log.Debug("Tunnel: the connection holding a WATCH failed: " + ErrorLines.OneLine(ex.Message));
                }

                // The keys watched so far are no longer guarded: answer like WATCH does and refuse the EXEC.
                LoseWatch();
                return RespValue.Ok;
            }

            RespValue reply = await RunOnOwnerAsync(slot, connection => connection.ExecuteAsync(watch, cancellationToken), cancellationToken).ConfigureAwait(false);
            if (reply.IsError)
            {
                // No state was made; a connection opened for it would only sit idle.
                Close();
                return reply;
            }

            WatchedSlot = slot;
            Lost = false;
            return reply;
        }

        /// <summary>
        /// Runs commands of the watched slot on the pinned connection. A null reply means the slot moved:
        /// the command did not run, the WATCH is lost, and the caller runs it through the shared router.
        /// </summary>
        public async Task<RespValue?[]> RunPinnedAsync(IReadOnlyList<RedisCommand> commands, CancellationToken cancellationToken)
        {
            var replies = new RespValue?[commands.Count];
            RedisConnection? pinned = Pinned;
            if (pinned == null)
            {
                LoseWatch();
                return replies;
            }

            RedisReply[] results;
            try
            {
                results = await pinned.ExecuteBatchAsync(commands, cancellationToken).ConfigureAwait(false);
            }
            catch (RedisException)
            {
                LoseWatch();
                throw;
            }

            for (int i = 0; i < results.Length; i++)
            {
                RespValue value = results[i].Value;
                if (ErrorReplyClassifier.Classify(value).IsRedirect())
                {
                    LoseWatch();
                }
                else
                {
                    replies[i] = value;
                }
            }

            return replies;
        }

        /// <summary>Runs MULTI, the queued commands and EXEC on the pinned connection; the caller ends the WATCH after it.</summary>
        public async Task<RespValue> ExecAsync(IReadOnlyList<RedisCommand> queued, RedisCommand exec, CancellationToken cancellationToken)
        {
            RedisConnection? pinned = Pinned;
            if (pinned == null)
            {
                // A WATCH that broke or whose slot moved can no longer be checked: answered as a tripped
                // WATCH, for the reasons given below.
                return RespValue.NullArray;
            }

            var block = new List<RedisCommand>(queued.Count + 2) { RedisCommand.Create("MULTI") };
            block.AddRange(queued);
            block.Add(exec);
            RedisReply[] replies;
            try
            {
                replies = await pinned.ExecuteBatchAsync(block, cancellationToken).ConfigureAwait(false);
            }
            catch (RedisException ex)
            {
                _context.Statistics.Error();
                return RespValue.Error("ERR tunnel: the connection holding the WATCH failed during EXEC, so whether the transaction ran is unknown: "
                    + ErrorLines.OneLine(ex.Message));
            }

            RespValue? firstError = null;
            for (int i = 0; i < replies.Length; i++)
            {
                RespValue value = replies[i].Value;
                if (IsSlotMoving(value))
                {
                    // The watched slot moved away from this node: the server refused the block (a queued
                    // command's redirect aborts it, a redirected EXEC discards it), so nothing ran. Following
                    // the redirect instead would run the transaction on a node that never saw the WATCH,
                    // without the guard the client asked for. The answer is the one WATCH gives when its
                    // guard trips, an EXEC that returns nil: a client's optimistic-locking loop (the usual
                    // reason for WATCH) then simply starts over, and its next WATCH reaches the new owner. An
                    // error would stop that loop for a condition that a retry resolves.
                    _context.Log.Debug("Tunnel: the watched slot " + WatchedSlot + " moved before EXEC; the transaction was not run.");
                    return RespValue.NullArray;
                }

                if (firstError == null && value.IsError && i < replies.Length - 1)
                {
                    firstError = value;
                }
            }

            // A tripped WATCH comes back as the connection's null; Resp2ReplyShapes gives it the RESP2 shape.
            RespValue result = replies[replies.Length - 1].Value;
            if (firstError != null && ErrorReplyClassifier.Classify(result) == ErrorReplyKind.ExecAbort)
            {
                // The client was told QUEUED by the tunnel, so the server's reason is its only clue.
                return RespValue.Error(result.GetString() + " First error: " + firstError.GetString());
            }

            return result;
        }

        /// <summary>Ends the WATCH state and closes its connection, which drops the WATCH on the server too.</summary>
        public void Release()
        {
            if (IsWatching)
            {
                WatchedSlot = -1;
                Lost = false;
                Close();
            }
        }

        /// <summary>
        /// The client's own connection to <paramref name="owner"/>, for a command that must not share one (a large
        /// argument streamed in as it arrives); not while a WATCH holds the connection.
        /// </summary>
        public Task<RedisConnection> OwnConnectionAsync(RedisEndpoint owner, CancellationToken cancellationToken)
            => IsWatching ? throw new InvalidOperationException("The client's connection holds a WATCH.") : OpenAsync(owner, cancellationToken);

        /// <summary>Closes the connection (a blocked client left, or the session ends).</summary>
        public void Close()
        {
            RedisConnection? connection = Interlocked.Exchange(ref _connection, null);
            if (connection != null)
            {
                _context.Statistics.UpstreamClosed();
                QuietCleanup.Dispose(connection);
            }
        }

        public void Dispose() => Close();

        private static bool IsSlotMoving(RespValue reply) => ErrorReplyClassifier.Classify(reply).IsSlotMoving();

        /// <summary>A connection to the slot's primary: the current one while it still fits, else a new one.</summary>
        private async Task<RedisConnection> OpenAsync(RedisEndpoint owner, CancellationToken cancellationToken)
        {
            RedisConnection? current = _connection;
            if (current != null && current.IsConnected && current.Endpoint.Equals(owner))
            {
                return current;
            }

            if (IsWatching)
            {
                // The WATCH lived on the connection being replaced.
                Lost = true;
            }

            Close();
            RedisConnection opened = await RedisConnection.ConnectAsync(owner, _backend.Connector, cancellationToken).ConfigureAwait(false);
            _connection = opened;
            _context.Statistics.UpstreamOpened();
            return opened;
        }

        private void LoseWatch()
        {
            Lost = true;
            Close();
        }
    }
}
