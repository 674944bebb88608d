using System.Buffers;
using System.Collections.Generic;
using System.IO.Pipelines;
using System.Threading.Tasks;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Tunnel.Hosting;

namespace RedisCluster.Engine.Tunnel.Smart
{
    /// <summary>
    /// One read of a smart client, command by command: refused by the gate or a busy node, queued in MULTI, answered
    /// locally, run on a connection of its own when it blocks, or routed; then the replies in the client's order and
    /// protocol (relayed bytes as they came, values in RESP2 shapes where Redis shapes them so, redirects hidden).
    /// </summary>
    internal sealed class SmartCommandPipeline : SmartSessionPart
    {
        private readonly SmartClientState _client;
        private readonly TunnelClientGate? _gate;
        private readonly SmartCommandRouter _router;
        private readonly SmartTransaction _transaction;
        private readonly SmartBlocking _blocking;
        private readonly SmartLocalAnswers _local;
        private readonly SmartLargeArguments _large;
        private SmartBatch? _batch;
        // The highest point this batch has waited at before a write (BatchStart: none yet).
        private SmartWaitPoint _waitedBeforeWrite;

        public SmartCommandPipeline(SmartSessionState state)
            : base(state)
        {
            _client = state.Client;
            _gate = state.Gate;
            _router = new SmartCommandRouter(state);
            _transaction = new SmartTransaction(state, _router);
            _blocking = new SmartBlocking(state);
            _local = new SmartLocalAnswers(state, _transaction);
            _large = new SmartLargeArguments(state, _transaction);
        }

        /// <summary>The session's answer to HELLO, which also switches the protocol it speaks.</summary>
        public RespValue Hello(byte[][] args) => _local.Hello(args);

        /// <summary>The client's MULTI block and WATCH.</summary>
        public SmartTransaction Transaction => _transaction;

        /// <summary>Lets the kept batch go (after a read with large arguments, whose memory should not stay).</summary>
        public void ForgetBatch() => _batch = null;

        /// <summary>Runs one batch and writes its replies to <paramref name="output"/>; true when the client asked to quit.</summary>
        public async Task<bool> ProcessAsync(List<byte[][]> commands, GrowableBuffer output)
        {
            SmartBatch batch = NextBatch(commands.Count);
            RespValue?[] replies = batch.Replies;
            _waitedBeforeWrite = SmartWaitPoint.BatchStart;
            bool quit = false;
            bool stop = false;
            bool[]? silent = null;
            int answered = 0;
            for (int i = 0; i < commands.Count && !quit && !stop; i++)
            {
                byte[][] args = commands[i];
                string name = CommandNames.Of(args[0]);
                batch.Names[i] = name;
                _client.Command(_local.FullName(name, args));
                string? refused = _gate?.Admit(name, args);
                if (refused != null)
                {
                    // Not authenticated to the tunnel, or denied: Redis's own error, and like Redis a refused
                    // command inside MULTI makes EXEC fail.
                    replies[i] = RespValue.Error(refused);
                    _transaction.MultiFailed |= _transaction.Multi != null;
                }
                else if (_backend.Busy.Refusal(name, args) is RespValue busy)
                {
                    replies[i] = await _transaction.RefuseWhileBusyAsync(batch, name, busy).ConfigureAwait(false);
                }
                else if (_transaction.Multi != null && name != "EXEC" && name != "DISCARD" && name != "MULTI" && name != "WATCH" && name != "QUIT" && name != "RESET")
                {
                    // Queued locally and sent as one block at EXEC, so the block reaches one node whole; what
                    // would not be run on its own is refused now, and EXEC then aborts, as Redis does.
                    RespValue? refusedInBlock = SmartRefusals.RefusedInTransaction(name, args, _backend.Cluster.Commands.Find(name));
                    _transaction.MultiFailed |= refusedInBlock != null;
                    if (refusedInBlock == null && _client.Tracking.IsOn)
                    {
                        var queued = RedisCommand.Create(args, name);
                        await _backend.Tracking.BeforeCommandAsync(_client, queued, _backend.Cluster.Commands.Find(queued), _abort.Token).ConfigureAwait(false);
                    }

                    replies[i] = refusedInBlock ?? await _transaction.QueueAsync(args).ConfigureAwait(false);
                }
                else
                {
                    switch (name)
                    {
                        case "EXEC":
                            if (_transaction.Multi == null)
                            {
                                replies[i] = RespValue.Error("ERR EXEC without MULTI");
                                break;
                            }

                            // Under WATCH it goes on the client's own connection, in transit until answered: it need not wait for the
                            // other loops, and another loop's write heard after it then waits for it.
                            await BeforeWriteAsync(_state.Pin.IsWatching ? SmartWaitPoint.OwnConnectionWrite : SmartWaitPoint.SharedWrite).ConfigureAwait(false);

                            // Its replies are theirs, and their nulls take their shapes.
                            batch.Transactions ??= new List<RedisCommand>?[commands.Count];
                            batch.Transactions[i] = _transaction.Multi;

                            if (_state.Pin.IsWatching)
                            {
                                // Everything before it first, then the block on the connection that holds the WATCH.
                                await _router.RunQueuedAsync(batch).ConfigureAwait(false);
                                replies[i] = await _transaction.ExecWatchedAsync(RedisCommand.Create(args)).ConfigureAwait(false);
                            }
                            else if (_transaction.MultiFailed)
                            {
                                replies[i] = RespValue.Error("EXECABORT Transaction discarded because of previous errors.");
                            }
                            else
                            {
                                await _router.RunRelayedAsync(batch).ConfigureAwait(false);
                                batch.Shared.Add(RedisCommand.Create("MULTI"), -1);
                                foreach (RedisCommand queued in _transaction.Multi)
                                {
                                    batch.Shared.Add(queued, -1);
                                }

                                batch.Shared.Add(RedisCommand.Create(args), i);
                            }

                            _transaction.Multi = null;
                            _transaction.MultiFailed = false;
                            break;
                        case "WATCH":
                            // A WATCH after a write to its key must not see that write as a change.
                            await _router.RunQueuedAsync(batch).ConfigureAwait(false);
                            replies[i] = await _transaction.WatchAsync(args).ConfigureAwait(false);
                            break;
                        case "UNWATCH":
                        case "DISCARD":
                        case "RESET":
                            if (_state.Pin.IsWatching)
                            {
                                // They end the WATCH and close its connection: what went before still needs it.
                                await _router.RunQueuedAsync(batch).ConfigureAwait(false);
                            }

                            goto default;
                        case "UNSUBSCRIBE":
                        case "PUNSUBSCRIBE":
                        case "SUNSUBSCRIBE":
                            // Not subscribed to anything here (a subscribed client talks to its relay).
                            batch.SetLocalReplies(i, _local.NotSubscribed(name, args), _state.Protocol);
                            break;
                        case "SUBSCRIBE":
                        case "PSUBSCRIBE":
                        case "SSUBSCRIBE":
                            // The rest of this batch belongs to the subscription relay, in order.
                            _state.SubscribeFrom = commands.GetRange(i, commands.Count - i);
                            stop = true;
                            continue;
                        default:
                            RespValue? local = await _local.AnswerLocallyAsync(name, args).ConfigureAwait(false);
                            if (local != null)
                            {
                                replies[i] = local;
                                quit = name == "QUIT" || _state.CloseAfterReply;
                            }
                            else
                            {
                                var command = RedisCommand.Create(args, name);
                                CommandInfo? info = _backend.Cluster.Commands.Find(command);
                                bool trackedScript = _state.Scripts.Takes(name, args) && !_state.Pin.IsPinned;
                                int key = trackedScript ? -1 : await _blocking.BlockingKeyIndexAsync(command, info).ConfigureAwait(false);
                                if (info?.IsReadOnly != true)
                                {
                                    // A blocking command (BLPOP, BLMOVE...) is in transit from when it is taken: it need not wait
                                    // for the other loops, and another loop's write heard after it then waits for it.
                                    await BeforeWriteAsync(key < 0 ? SmartWaitPoint.SharedWrite : SmartWaitPoint.OwnConnectionWrite).ConfigureAwait(false);
                                }

                                if (_client.Tracking.IsOn)
                                {
                                    await _backend.Tracking.BeforeCommandAsync(_client, command, info, _abort.Token, trackedScript).ConfigureAwait(false);
                                }

                                if (trackedScript)
                                {
                                    // Only the node knows whether the script read anything, so it runs where the node tracks for this client.
                                    await _router.RunQueuedAsync(batch).ConfigureAwait(false);
                                    replies[i] = await _state.Scripts.RunAsync(command, _abort.Token).ConfigureAwait(false);
                                }
                                else if (key >= 0)
                                {
                                    // Everything before it first, in order (an LPUSH pipelined before a BLPOP must count).
                                    await _router.RunQueuedAsync(batch).ConfigureAwait(false);
                                    replies[i] = await _blocking.RunBlockingAsync(command, args[key]).ConfigureAwait(false);
                                }
                                else
                                {
                                    await _router.RouteAsync(batch, command, info, i).ConfigureAwait(false);
                                }
                            }

                            break;
                    }
                }

                _client.Tracking.CommandDone(name, _transaction.Multi != null);

                // HELLO switches the protocol for its own reply and everything after it.
                batch.Protocols[i] = _state.Protocol;
                _client.Protocol = _state.Protocol;
                _client.Multi = _transaction.Multi?.Count ?? -1;
                if (_state.Replies.Silences(name, args, replies[i]))
                {
                    (silent ??= new bool[commands.Count])[i] = true;
                }

                answered = i + 1;
            }

            await _router.RunQueuedAsync(batch).ConfigureAwait(false);
            for (int i = 0; i < answered; i++)
            {
                if (silent != null && silent[i])
                {
                    // CLIENT REPLY OFF or SKIP: the command ran and its reply was read, for nobody.
                    continue;
                }

                if (batch.HasRawReply(i))
                {
                    // Relayed: the server's own bytes, from a connection that speaks this reply's protocol.
                    output.Write(batch.RawReply(i));
                    continue;
                }

                WriteReply(output, batch.Names[i], commands[i].Length, replies[i], batch.Protocols[i], batch.Transactions?[i]);
            }

            return quit;
        }

        /// <summary>
        /// Streams a command with a large argument, when <see cref="SmartLargeArguments.RouteOf"/> allows, and writes
        /// its reply. Null when it must be read whole as usual; false when the client hung up before it was whole.
        /// </summary>
        public async Task<bool?> TryStreamAsync(PipeReader reader, CommandStart start, GrowableBuffer output)
        {
            RedisEndpoint? owner = _large.RouteOf(start);
            if (owner == null)
            {
                return null;
            }

            // A write of its own, read after the batch before it: newcomers' first commands go first, as before any write.
            await _backend.WaitForEarlierAsync(_state, SmartWaitPoint.SharedWrite).ConfigureAwait(false);
            RespValue? reply = await _large.StreamAsync(reader, start, owner).ConfigureAwait(false);
            if (reply == null)
            {
                return false;
            }

            string name = CommandNames.Of(start.Leading[0]);
            if (!_state.Replies.Silences(name, new[] { start.Leading[0] }, reply))
            {
                WriteReply(output, name, start.Count, reply, _state.Protocol, null);
            }

            return true;
        }

        private void WriteReply(GrowableBuffer output, string name, int argumentCount, RespValue? value, int protocol, List<RedisCommand>? transaction)
        {
            if (value?.ServerBytes is byte[] served && (protocol >= 3 || RespResp2Fit.Fits(served, _context.Connection.Limits)))
            {
                // A reply too deep for a value (a Lua table that holds itself) that came through the cluster client:
                // the server's own bytes, as Redis would have sent them.
                output.Write(served);
                return;
            }

            RespValue reply = Hide(value ?? RespValue.Error("ERR tunnel: no reply"));
            if (protocol < 3)
            {
                // The upstream connections speak RESP3; where Redis shapes a reply differently for RESP2, the
                // writer's generic downgrade cannot know it.
                reply = Resp2ReplyShapes.Restore(name, argumentCount, reply, transaction);
            }

            RespWriter.WriteValue(output, reply, protocol);
        }

        /// <summary>
        /// Before the batch's first command that may write: a newcomer still in the listener's backlog, or accepted since
        /// the batch began, whose BLPOP was sent before this command gets its turn first, and its blocking command reaches
        /// its node first (<see cref="SmartBackend.WaitForEarlierAsync"/>); at <see cref="SmartWaitPoint.SharedWrite"/>, a
        /// connected client's blocking command heard on another event loop at the same moment too. Once per batch and point.
        /// </summary>
        private Task BeforeWriteAsync(SmartWaitPoint point)
        {
            if (point <= _waitedBeforeWrite)
            {
                return Task.CompletedTask;
            }

            _waitedBeforeWrite = point;
            return _backend.WaitForEarlierAsync(_state, point);
        }

        /// <summary>The batch for a read of <paramref name="count"/> commands: the session's own unless the read is large.</summary>
        private SmartBatch NextBatch(int count)
        {
            if (count > SmartBatch.Retained)
            {
                return new SmartBatch().Reset(count);
            }

            _batch ??= new SmartBatch();
            return _batch.Reset(count);
        }

        /// <summary>Redirects are the tunnel's business: a client that saw one would look for a cluster.</summary>
        private static RespValue Hide(RespValue reply)
        {
            return ErrorReplyClassifier.Classify(reply).IsRedirect()
                ? RespValue.Error("TRYAGAIN the slot is moving between nodes; try again")
                : reply;
        }
    }
}
