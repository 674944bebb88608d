using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Tunnel.Smart
{
    /// <summary>
    /// Keeps a blocking command in its place among the other clients' commands, as on one server. Each one goes to its
    /// node on a connection of its client's own (opened for it perhaps), so without this a BLPOP received first could
    /// reach the node after a later client's BLPOP (which Redis would then serve first) or after the LPUSH or XADD meant
    /// to wake it (and wait forever). A blocking command is "in transit" from when the tunnel takes it until its node
    /// shows the connection blocked (CLIENT LIST ID, asked over a connection to the node that is open already) or has
    /// answered it; while blocking commands are in use, so is an EXEC under WATCH until it is answered. Meanwhile the next
    /// blocking command for that node waits, and so does every other client's next batch, in line: when nothing is in
    /// transit any more the batches that waited go on one at a time, in the order they came, each until its own command
    /// (if it has one) is in transit. Released all at once, they would race each other on the thread pool, and an XADD
    /// would overtake the XREAD read before it. Nothing is in transit almost always, which costs two reads; the first
    /// blocking command on a connection costs a CLIENT ID pipelined with it, each one a round trip or two to see it
    /// arrive. A node that does not say within <see cref="Limit"/> is not waited for longer.
    /// </summary>
    internal sealed class SmartBlockingOrder
    {
        /// <summary>The longest anything waits for a blocking command to arrive: order is worth a moment, not a hang.</summary>
        private static readonly TimeSpan Limit = TimeSpan.FromSeconds(2);

        /// <summary>How long after the last blocking command ended the applications still count as using them (<see cref="InUse"/>).</summary>
        private static readonly TimeSpan Recent = TimeSpan.FromMinutes(1);

        private const long Never = long.MinValue;

        private static readonly long RecentTicks = (long)(Recent.TotalSeconds * Stopwatch.Frequency);

        private static readonly RedisCommand ClientId = RedisCommand.Create("CLIENT", "ID");

        private readonly SmartBackend _backend;
        private readonly object _gate = new object();
        private readonly ConcurrentDictionary<RedisEndpoint, SemaphoreSlim> _nodeTurns = new ConcurrentDictionary<RedisEndpoint, SemaphoreSlim>();
        private readonly ConditionalWeakTable<RedisConnection, Task<RespValue>> _ids = new ConditionalWeakTable<RedisConnection, Task<RespValue>>();

        // The batches waiting for their turn, in the order they asked (under _gate).
        private readonly Queue<TaskCompletionSource<bool>> _waiting = new Queue<TaskCompletionSource<bool>>();

        // Blocking commands in transit, and _waiting.Count (written under _gate).
        private int _count;
        private int _waitingCount;

        // Blocking commands not answered yet, and when the last one was (Stopwatch ticks; under _gate).
        private int _running;
        private long _lastFinished = Never;

        // A thread is letting the line go, and whether another asked it to look again (under _gate; see Release).
        private bool _releasing;
        private bool _releaseAgain;

        public SmartBlockingOrder(SmartBackend backend)
        {
            _backend = backend;
        }

        /// <summary>
        /// Whether the applications use blocking commands: one is running, or one ended within <see cref="Recent"/>. Only
        /// then does a write wait for the other event loops to catch up (<see cref="SmartBackend.WaitForEarlierAsync"/>):
        /// that wait is what keeps a blocking command heard on another loop at the same moment ahead of the write, and it
        /// costs the tunnel a fifth (-P 1) to a half (-P 16) more CPU per SET, which a cache that never blocks should not pay.
        /// </summary>
        public bool InUse
        {
            get
            {
                if (Volatile.Read(ref _running) > 0)
                {
                    return true;
                }

                // Asked before every write batch: no clock read for a tunnel that never carried a blocking command.
                long last = Volatile.Read(ref _lastFinished);
                return last != Never && Stopwatch.GetTimestamp() - last < RecentTicks;
            }
        }

        /// <summary>
        /// Before a client's batch: waits (bounded) until no blocking command is in transit and the batches that waited
        /// before it have gone on.
        /// </summary>
        public Task WaitTurnAsync(CancellationToken cancellationToken)
        {
            if (Volatile.Read(ref _count) == 0 && Volatile.Read(ref _waitingCount) == 0)
            {
                return Task.CompletedTask;
            }

            // Continued on the thread that lets it go, before the next in line is: see Release.
            var turn = new TaskCompletionSource<bool>();
            lock (_gate)
            {
                if (_count == 0 && _waiting.Count == 0)
                {
                    return Task.CompletedTask;
                }

                _waiting.Enqueue(turn);
                _waitingCount = _waiting.Count;
            }

            // Not TaskWaiting.WaitAtMostAsync (Task.WhenAny): the batch must go on inline where Release lets it go.
            return TaskWaiting.EndAtMost(turn, Limit, cancellationToken);
        }

        /// <summary>
        /// Takes a blocking command for <paramref name="node"/> (null: not known yet) into transit, then waits until the
        /// ones before it for that node have arrived. The transit ends when the turn's command arrives, or when the turn
        /// is disposed.
        /// </summary>
        public async Task<Turn> EnterAsync(RedisEndpoint? node, CancellationToken cancellationToken)
        {
            // In transit from the start, not only once its node's turn comes: a write taken meanwhile waits for it as well
            // as for the one before it (eight XREADs for one node, then the XADDs meant to wake them).
            var turn = new Turn(this, blocking: true);
            lock (_gate)
            {
                _count++;
                _running++;
            }

            if (node != null)
            {
                SemaphoreSlim nodeTurn = _nodeTurns.GetOrAdd(node, _ => new SemaphoreSlim(1, 1));
                try
                {
                    if (await nodeTurn.WaitAsync(Limit, cancellationToken).ConfigureAwait(false))
                    {
                        turn.Hold(nodeTurn);
                    }
                }
                catch
                {
                    turn.Dispose();
                    throw;
                }
            }

            return turn;
        }

        /// <summary>
        /// Takes a command that goes on the client's own connection and is not blocking (EXEC under WATCH, while
        /// <see cref="InUse"/>) into transit until it is answered: a write another client sends after it, on a shared connection, would otherwise reach the
        /// node first now and then (Redis's "BRPOPLPUSH does not affect WATCH while still blocked": the LPUSH sent after
        /// EXEC woke the BRPOPLPUSH, whose push into the watched key aborted the EXEC).
        /// </summary>
        public Turn EnterUntilAnswered()
        {
            var turn = new Turn(this, blocking: false);
            lock (_gate)
            {
                _count++;
            }

            return turn;
        }

        private static bool ShowsBlocked(RespValue clientList)
        {
            string text = clientList.GetString() ?? string.Empty;
            int flags = text.IndexOf(" flags=", StringComparison.Ordinal);
            if (flags < 0)
            {
                return false;
            }

            int end = text.IndexOf(' ', flags + 7);
            return text.IndexOf('b', flags + 7, (end < 0 ? text.Length : end) - flags - 7) >= 0;
        }

        private void Finished()
        {
            lock (_gate)
            {
                _running--;
                _lastFinished = Stopwatch.GetTimestamp();
            }
        }

        private void Left()
        {
            lock (_gate)
            {
                _count--;
            }

            Release();
        }

        /// <summary>
        /// While nothing is in transit, lets the waiting batches go one at a time, in line: each runs here until it waits for
        /// something (its own blocking command in transit by then, if it has one), and if one is in transit after it, the
        /// rest of the line waits for that. One thread does it at a time; another that would asks it to look again.
        /// </summary>
        private void Release()
        {
            lock (_gate)
            {
                if (_releasing)
                {
                    _releaseAgain = true;
                    return;
                }

                _releasing = true;
            }

            bool done = false;
            try
            {
                while (true)
                {
                    TaskCompletionSource<bool> next;
                    lock (_gate)
                    {
                        if (_count > 0 || _waiting.Count == 0)
                        {
                            if (!_releaseAgain)
                            {
                                _releasing = false;
                                done = true;
                                return;
                            }

                            _releaseAgain = false;
                            continue;
                        }

                        next = _waiting.Dequeue();
                        _waitingCount = _waiting.Count;
                    }

                    // Its continuation runs here and now (no RunContinuationsAsynchronously), unless it stopped waiting at its limit.
                    next.TrySetResult(true);
                }
            }
            finally
            {
                if (!done)
                {
                    lock (_gate)
                    {
                        _releasing = false;
                    }
                }
            }
        }

        /// <summary>Waits until <paramref name="reply"/> is in or the node shows the connection blocked.</summary>
        private async Task WatchArrivalAsync(RedisConnection connection, Task<RespValue> id, Task<RespValue> reply)
        {
            RedisEndpoint node = connection.Endpoint;
            var clock = Stopwatch.StartNew();
            try
            {
                RespValue idReply = await id.ConfigureAwait(false);
                if (idReply.IsError || reply.IsCompleted)
                {
                    return;
                }

                RedisCommand ask = RedisCommand.Create("CLIENT", "LIST", "ID", idReply.Integer.ToString(System.Globalization.CultureInfo.InvariantCulture));
                while (!reply.IsCompleted && clock.Elapsed < Limit)
                {
                    Task<RespValue> listed = AskNodeAsync(node, ask);
                    TimeSpan left = Limit - clock.Elapsed;
                    if (left <= TimeSpan.Zero || await Task.WhenAny(listed, reply, Task.Delay(left)).ConfigureAwait(false) != listed)
                    {
                        return;
                    }

                    RespValue seen = await listed.ConfigureAwait(false);
                    if (seen.IsError || ShowsBlocked(seen))
                    {
                        // An error (a busy node, a server before 6.2) says nothing more than waiting would.
                        return;
                    }
                }
            }
            catch (Exception ex) when (ex is RedisException || ex is ObjectDisposedException)
            {
                // Order is not known, so not waited for; the command's own reply tells its client the rest.
            }
        }

        /// <summary>
        /// Asks over a connection to <paramref name="node"/> that is open already, no connection of its own:
        /// a relay connection when there is one, else the cluster client's.
        /// </summary>
        private async Task<RespValue> AskNodeAsync(RedisEndpoint node, RedisCommand ask)
        {
            if (_backend.Links.TryGetAny(node, out RedisConnection? link))
            {
                return await link!.ExecuteAsync(ask, CancellationToken.None).ConfigureAwait(false);
            }

            return (await _backend.Cluster.ExecuteOnNodeAsync(node, new[] { ask }, CancellationToken.None).ConfigureAwait(false))[0].Value;
        }

        /// <summary>One blocking command's place in the order.</summary>
        internal sealed class Turn : IDisposable
        {
            private readonly SmartBlockingOrder _order;
            private readonly bool _blocking;
            private SemaphoreSlim? _nodeTurn;
            private int _arrived;
            private int _ended;

            public Turn(SmartBlockingOrder order, bool blocking)
            {
                _order = order;
                _blocking = blocking;
            }

            /// <summary>The turn holds its node's turn until it ends.</summary>
            public void Hold(SemaphoreSlim nodeTurn) => _nodeTurn = nodeTurn;

            /// <summary>Sends <paramref name="command"/> on <paramref name="connection"/>; the task is its reply, and the turn ends once it arrived.</summary>
            public Task<RespValue> Send(RedisConnection connection, RedisCommand command, CancellationToken cancellationToken)
            {
                // Pipelined: the connection's id costs no round trip of its own, and only once per connection.
                Task<RespValue> id = _order._ids.GetValue(connection, c => c.ExecuteAsync(ClientId, CancellationToken.None));
                Task<RespValue> reply = connection.ExecuteAsync(command, cancellationToken);
                _ = EndWhenArrivedAsync(connection, id, reply);
                return reply;
            }

            /// <summary>The command has reached its node (or will not be waited for longer): its transit ends.</summary>
            public void Arrived()
            {
                if (Interlocked.Exchange(ref _arrived, 1) == 0)
                {
                    Interlocked.Exchange(ref _nodeTurn, null)?.Release();
                    _order.Left();
                }
            }

            /// <summary>The command has been answered, or given up: the turn ends, its transit first if that has not.</summary>
            public void Dispose()
            {
                if (Interlocked.Exchange(ref _ended, 1) == 0)
                {
                    Arrived();
                    if (_blocking)
                    {
                        _order.Finished();
                    }
                }
            }

            private async Task EndWhenArrivedAsync(RedisConnection connection, Task<RespValue> id, Task<RespValue> reply)
            {
                try
                {
                    await _order.WatchArrivalAsync(connection, id, reply).ConfigureAwait(false);
                }
                finally
                {
                    Arrived();
                }
            }
        }
    }
}
