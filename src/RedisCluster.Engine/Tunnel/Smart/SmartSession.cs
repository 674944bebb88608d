using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Pipelines;
using System.Linq;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Routing;
using RedisCluster.Engine.Tunnel.Hosting;

namespace RedisCluster.Engine.Tunnel.Smart
{
    /// <summary>
    /// One smart-mode client. Commands are parsed, answered locally where a single server's answer must be
    /// invented (HELLO, AUTH, SELECT, CLIENT SETNAME, INFO's mode...), and otherwise run through the shared
    /// cluster client. Whatever the client pipelines in one read becomes one batch, and the replies go back
    /// in the client's order and protocol. The next read waits for the previous replies to be flushed, so a
    /// client that does not read its replies only ever holds one batch.
    /// </summary>
    internal sealed class SmartSession : ITunnelSession
    {
        /// <summary>Commands taken per batch; more stay in the socket buffer, which bounds memory per client.</summary>
        private const int MaxBatch = 1024;

        /// <summary>Reply buffer kept between reads; one large reply must not hold its size for the life of the connection.</summary>
        private const int RetainedOutput = 256 * 1024;

        private static readonly RespValue Queued = RespValue.SimpleString("QUEUED");

        private readonly TunnelContext _context;
        private readonly SmartBackend _backend;
        private readonly Socket _socket;
        private readonly CancellationTokenSource _stopReading = new CancellationTokenSource();
        private readonly CancellationTokenSource _abort = new CancellationTokenSource();
        private readonly long _clientId;
        private int _protocol = 2;
        private readonly SmartClientState _client;
        private bool _closeAfterReply;
        private List<RedisCommand>? _multi;
        private bool _multiFailed;
        private readonly SmartPin _pin;
        private readonly SmartReplySwitch _replies = new SmartReplySwitch();
        private List<byte[][]>? _subscribeFrom;
        private SmartBatch? _batch;
        private readonly TunnelClientGate? _gate;
        private readonly ClientActivity _activity = new ClientActivity();
        private readonly QueryBufferAccount _queryBuffer;
        private string? _protocolErrorReason;
        private volatile bool _working;
        private bool _batchRunsScript;

        public SmartSession(TunnelContext context, SmartBackend backend, Socket socket)
        {
            _context = context;
            _backend = backend;
            _socket = socket;
            _clientId = backend.NextClientId();
            _client = new SmartClientState(_clientId, socket, Abort);
            _pin = new SmartPin(context, backend);
            _gate = context.NewGate();
            Client = QuietCleanup.RemoteName(socket);
            _queryBuffer = context.QueryBuffers.Open(context.Options.ClientQueryBufferLimit);
        }

        /// <summary>Idle in Redis's <c>timeout</c> sense: nothing sent for that long, and not waiting for a reply or subscribed.</summary>
        public bool IsIdleFor(TimeSpan timeout) => !_working && _activity.QuietFor(timeout);

        public string Client { get; }

        public void BeginStop() => QuietCleanup.Cancel(_stopReading);

        public void Abort()
        {
            QuietCleanup.Cancel(_stopReading);
            QuietCleanup.Cancel(_abort);
            _pin.Close();
            QuietCleanup.Dispose(_socket);
        }

        public async Task RunAsync()
        {
            TunnelStatistics stats = _context.Statistics;
            stats.ClientOpened();
            _backend.Clients.Add(_client);
            var stream = new NetworkStream(_socket, ownsSocket: true);
            int size = _context.Options.BufferSize;
            PipeReader reader = StreamPipes.Reader(stream, size, 4096, leaveOpen: true);
            PipeWriter writer = StreamPipes.Writer(stream, Math.Min(4096, size), leaveOpen: true);
            try
            {
                await LoopAsync(reader, writer).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException || ex is IOException || ex is ObjectDisposedException || ex is SocketException || ex is InvalidOperationException)
            {
                // The tunnel is stopping or the client went away: the connection simply ends.
            }
            finally
            {
                try
                {
                    reader.Complete();
                    writer.Complete();
                }
                catch (Exception ex) when (ex is IOException || ex is ObjectDisposedException || ex is SocketException || ex is InvalidOperationException)
                {
                }

                // Whatever the client held (a WATCH, a blocking wait) ends with it.
                _queryBuffer.Release();
                _backend.Clients.Remove(_client);
                _pin.Dispose();
                QuietCleanup.Shutdown(_socket);
                QuietCleanup.Dispose(stream);
                stats.ClientClosed();
                _context.Log.Debug("Tunnel: smart client " + Client + " disconnected.");
            }
        }

        private async Task LoopAsync(PipeReader reader, PipeWriter writer)
        {
            var output = new GrowableBuffer(4096);
            List<byte[][]>? carried = null;
            while (true)
            {
                List<byte[][]> commands;
                string? error = null;
                bool ended = false;
                if (carried != null)
                {
                    // Commands that followed the last UNSUBSCRIBE in the client's input run as usual.
                    commands = carried;
                    carried = null;
                }
                else
                {
                    ReadResult result = await reader.ReadAsync(_stopReading.Token).ConfigureAwait(false);
                    _activity.Touch();
                    if (!_queryBuffer.Admit(result.Buffer.Length, "smart client " + Client, _context))
                    {
                        return;
                    }

                    commands = TakeBatch(reader, result, out error);
                    ended = result.IsCompleted || result.IsCanceled;
                }

                _working = true;
                if (commands.Count > 0)
                {
                    // Another client's blocking command taken before this read reaches its node first.
                    await _backend.BlockingOrder.WaitTurnAsync(_abort.Token).ConfigureAwait(false);
                }

                bool quit;
                using (IDisposable? scripts = _backend.Busy.Track(commands, _multi))
                {
                    _batchRunsScript = scripts != null;
                    quit = commands.Count > 0 && await ProcessAsync(commands, output).ConfigureAwait(false);
                }

                // Until a command is complete its bytes stay in the pipe, and stay counted.
                if (commands.Count > 0 && _queryBuffer.Release())
                {
                    // Large arguments go now, not when the client sends its next command.
                    commands.Clear();
                    _batch = null;
                }

                if (error != null)
                {
                    // Like Redis: the commands before the garbage are answered, then the error, then the close.
                    _context.Statistics.Error();
                    _context.Log.Warning("Tunnel: smart client " + Client + " sent invalid RESP (" + error + "); disconnected.");
                    RespWriter.WriteValue(output, RespValue.Error("ERR Protocol error: " + ErrorLines.OneLine(_protocolErrorReason ?? error)), _protocol);
                    quit = true;
                }

                await WriteOutAsync(writer, output).ConfigureAwait(false);
                if (quit)
                {
                    return;
                }

                if (_subscribeFrom != null)
                {
                    carried = await SubscribeAsync(reader, writer).ConfigureAwait(false);
                    _working = false;
                    _activity.Touch();
                    if (carried == null)
                    {
                        return;
                    }
                }
                else if (ended)
                {
                    return;
                }

                _working = false;
                _activity.Touch();
            }
        }

        /// <summary>
        /// Cuts the commands out of what one read brought, up to <see cref="MaxBatch"/> commands or the
        /// buffered-frame limit, whichever comes first: what one client makes the tunnel hold at a time stays
        /// bounded however much it pipelines. <paramref name="error"/> is set when the input stops making sense.
        /// </summary>
        private List<byte[][]> TakeBatch(PipeReader reader, ReadResult result, out string? error)
        {
            RespLimits limits = _context.Options.ClientLimits;
            ReadOnlySequence<byte> buffer = result.Buffer;
            var commands = new List<byte[][]>();
            error = null;
            bool full = false;
            try
            {
                long byteCap = _context.Options.MaxBufferedFrame;
                while (!(full = commands.Count >= MaxBatch || (commands.Count > 0 && result.Buffer.Length - buffer.Length >= byteCap))
                    && CommandReader.TryRead(ref buffer, limits, out byte[][]? args))
                {
                    if (args != null)
                    {
                        commands.Add(args);
                    }
                }
            }
            catch (RespProtocolException ex)
            {
                error = ex.Message;
                _protocolErrorReason = ex.RedisReason;
            }

            long consumed = result.Buffer.Length - buffer.Length;

            // When the batch is full the rest is already here: say so, or the next read would wait for more.
            reader.AdvanceTo(buffer.Start, full ? buffer.Start : buffer.End);
            _context.Statistics.AddToServer(consumed, commands.Count);
            return commands;
        }

        private async Task WriteOutAsync(PipeWriter writer, GrowableBuffer output)
        {
            if (output.WrittenCount > 0)
            {
                _context.Statistics.AddToClient(output.WrittenCount);
                await writer.WriteAsync(output.WrittenMemory, _abort.Token).ConfigureAwait(false);
                output.Clear(RetainedOutput);
            }
        }

        /// <summary>
        /// Hands the client to a subscription relay on a connection of its own: any primary for classic
        /// pub/sub (it is cluster-wide), the channel's primary for SSUBSCRIBE. Returns the commands to run
        /// after the client unsubscribed from everything, or null when the connection should close.
        /// </summary>
        private async Task<List<byte[][]>?> SubscribeAsync(PipeReader reader, PipeWriter writer)
        {
            List<byte[][]> from = _subscribeFrom!;
            _subscribeFrom = null;
            byte[][] first = from[0];
            RedisEndpoint endpoint;
            IReadOnlyList<RedisEndpoint> others = Array.Empty<RedisEndpoint>();
            if (Encoding.UTF8.GetString(first[0]).ToUpperInvariant() == "SSUBSCRIBE" && first.Length > 1)
            {
                endpoint = _backend.OwnerOf(HashSlot.GetSlot(first[1])) ?? _backend.Cluster.GetPrimaryEndpoints()[0];
            }
            else
            {
                // Where PUBLISH and PUBSUB NUMSUB/NUMPAT run (keyless, so on the default primary): their counts
                // then include every subscriber of the tunnel, as one server's would.
                IReadOnlyList<RedisEndpoint> primaries = _backend.Cluster.GetPrimaryEndpoints();
                endpoint = _backend.Cluster.DefaultPrimary ?? primaries[0];
                others = primaries.Where(p => !p.Equals(endpoint)).ToList();
            }

            Stream upstream;
            try
            {
                upstream = await _context.Opener.OpenAsync(endpoint, _abort.Token).ConfigureAwait(false);
            }
            catch (RedisException ex)
            {
                _context.Statistics.Error();
                var output = new GrowableBuffer(256);
                RespWriter.WriteValue(output, RespValue.Error("ERR tunnel: cannot open a subscription connection to " + endpoint + ": " + ErrorLines.OneLine(ex.Message)), _protocol);
                await WriteOutAsync(writer, output).ConfigureAwait(false);
                from.RemoveAt(0);
                return from;
            }

            _context.Statistics.UpstreamOpened();
            _client.Subscribed = true;
            try
            {
                var subscription = new SmartSubscription(_context, upstream, _protocol, _gate, others);
                return await subscription.RunAsync(reader, writer, from, _stopReading.Token, _abort.Token).ConfigureAwait(false);
            }
            finally
            {
                // RunAsync closes the subscription's connection in every case.
                _context.Statistics.UpstreamClosed();
                _client.Subscribed = false;
            }
        }

        /// <summary>Runs one batch and writes its replies to <paramref name="output"/>; true when the client asked to quit.</summary>
        private async Task<bool> ProcessAsync(List<byte[][]> commands, GrowableBuffer output)
        {
            SmartBatch batch = NextBatch(commands.Count);
            RespValue?[] replies = batch.Replies;
            bool quit = false;
            bool stop = false;
            bool[]? silent = null;
            int answered = 0;
            for (int i = 0; i < commands.Count && !quit && !stop; i++)
            {
                byte[][] args = commands[i];
                string name = CommandNames.Of(args[0]);
                batch.Names[i] = name;
                _client.Command(FullName(name, args));
                string? refused = _gate?.Admit(name, args);
                if (refused != null)
                {
                    // Not authenticated to the tunnel, or denied: Redis's own error, and like Redis a refused
                    // command inside MULTI makes EXEC fail.
                    replies[i] = RespValue.Error(refused);
                    _multiFailed |= _multi != null;
                }
                else if (_backend.Busy.Refusal(name, args) is RespValue busy)
                {
                    replies[i] = await RefuseWhileBusyAsync(batch, name, busy).ConfigureAwait(false);
                }
                else if (_multi != null && name != "EXEC" && name != "DISCARD" && name != "MULTI" && name != "WATCH" && name != "QUIT" && name != "RESET")
                {
                    // Queued locally and sent as one block at EXEC, so the block reaches one node whole; what
                    // would not be run on its own is refused now, and EXEC then aborts, as Redis does.
                    RespValue? refusedInBlock = SmartRefusals.RefusedInTransaction(name, args, _backend.Cluster.Commands.Find(name));
                    _multiFailed |= refusedInBlock != null;
                    replies[i] = refusedInBlock ?? await QueueAsync(args).ConfigureAwait(false);
                }
                else
                {
                    switch (name)
                    {
                        case "EXEC":
                            if (_multi == null)
                            {
                                replies[i] = RespValue.Error("ERR EXEC without MULTI");
                                break;
                            }

                            // Its replies are theirs, and their nulls take their shapes.
                            batch.Transactions ??= new List<RedisCommand>?[commands.Count];
                            batch.Transactions[i] = _multi;

                            if (_pin.IsWatching)
                            {
                                // Everything before it first, then the block on the connection that holds the WATCH.
                                await RunQueuedAsync(batch).ConfigureAwait(false);
                                replies[i] = await ExecWatchedAsync(RedisCommand.Create(args)).ConfigureAwait(false);
                            }
                            else if (_multiFailed)
                            {
                                replies[i] = RespValue.Error("EXECABORT Transaction discarded because of previous errors.");
                            }
                            else
                            {
                                await RunRelayedAsync(batch).ConfigureAwait(false);
                                batch.Shared.Add(RedisCommand.Create("MULTI"));
                                batch.SharedAt.Add(-1);
                                foreach (RedisCommand queued in _multi)
                                {
                                    batch.Shared.Add(queued);
                                    batch.SharedAt.Add(-1);
                                }

                                batch.Shared.Add(RedisCommand.Create(args));
                                batch.SharedAt.Add(i);
                            }

                            _multi = null;
                            _multiFailed = false;
                            break;
                        case "WATCH":
                            // A WATCH after a write to its key must not see that write as a change.
                            await RunQueuedAsync(batch).ConfigureAwait(false);
                            replies[i] = await WatchAsync(args).ConfigureAwait(false);
                            break;
                        case "UNWATCH":
                        case "DISCARD":
                        case "RESET":
                            if (_pin.IsWatching)
                            {
                                // They end the WATCH and close its connection: what went before still needs it.
                                await RunQueuedAsync(batch).ConfigureAwait(false);
                            }

                            goto default;
                        case "UNSUBSCRIBE":
                        case "PUNSUBSCRIBE":
                        case "SUNSUBSCRIBE":
                            // Not subscribed to anything here (a subscribed client talks to its relay).
                            batch.SetLocalReplies(i, NotSubscribed(name, args), _protocol);
                            break;
                        case "SUBSCRIBE":
                        case "PSUBSCRIBE":
                        case "SSUBSCRIBE":
                            // The rest of this batch belongs to the subscription relay, in order.
                            _subscribeFrom = commands.GetRange(i, commands.Count - i);
                            stop = true;
                            continue;
                        default:
                            RespValue? local = await AnswerLocallyAsync(name, args).ConfigureAwait(false);
                            if (local != null)
                            {
                                replies[i] = local;
                                quit = name == "QUIT" || _closeAfterReply;
                            }
                            else
                            {
                                var command = RedisCommand.Create(args, name);
                                CommandInfo? info = _backend.Cluster.Commands.Find(command);
                                int key = await BlockingKeyIndexAsync(command, info).ConfigureAwait(false);
                                if (key >= 0)
                                {
                                    // Everything before it first, in order (an LPUSH pipelined before a BLPOP must count).
                                    await RunQueuedAsync(batch).ConfigureAwait(false);
                                    replies[i] = await RunBlockingAsync(command, args[key]).ConfigureAwait(false);
                                }
                                else
                                {
                                    await RouteAsync(batch, command, info, i).ConfigureAwait(false);
                                }
                            }

                            break;
                    }
                }

                // HELLO switches the protocol for its own reply and everything after it.
                batch.Protocols[i] = _protocol;
                _client.Protocol = _protocol;
                _client.Multi = _multi?.Count ?? -1;
                if (_replies.Silences(name, args, replies[i]))
                {
                    (silent ??= new bool[commands.Count])[i] = true;
                }

                answered = i + 1;
            }

            await RunQueuedAsync(batch).ConfigureAwait(false);
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

                RespValue reply = Hide(replies[i] ?? RespValue.Error("ERR tunnel: no reply"));
                if (batch.Protocols[i] < 3)
                {
                    // The upstream connections speak RESP3; where Redis shapes a reply differently for RESP2, the
                    // writer's generic downgrade cannot know it.
                    reply = Resp2ReplyShapes.Restore(batch.Names[i], commands[i].Length, reply, batch.Transactions?[i]);
                }

                RespWriter.WriteValue(output, reply, batch.Protocols[i]);
            }

            return quit;
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

        /// <summary>
        /// Queues a command that runs on the cluster: commands of the watched slot on the connection that
        /// holds the WATCH, single-slot commands relayed to their primary, the rest through the shared router.
        /// </summary>
        private async Task RouteAsync(SmartBatch batch, RedisCommand command, CommandInfo? info, int index)
        {
            if (_pin.IsPinned && await InWatchedSlotAsync(command).ConfigureAwait(false))
            {
                await RunRelayedAsync(batch).ConfigureAwait(false);
                await RunSharedAsync(batch.Shared, batch.SharedAt, batch.Replies).ConfigureAwait(false);
                batch.Pinned.Add(command);
                batch.PinnedAt.Add(index);
                return;
            }

            RedisEndpoint? owner = _backend.Cluster.SingleSlotOwner(command, info);
            if (owner == null && await TryRelaySplitAsync(batch, command, index).ConfigureAwait(false))
            {
                return;
            }

            RedisConnection? link = null;
            if (owner != null && !_backend.Links.TryGet(owner, _protocol, _clientId, out link))
            {
                try
                {
                    link = await _backend.Links.OpenAsync(owner, _protocol, _clientId, _abort.Token).ConfigureAwait(false);
                }
                catch (RedisException)
                {
                    // The router tries the node again (and follows a failover) and reports what it finds.
                    link = null;
                }
            }

            if (link != null)
            {
                await BeforeRelayOnAsync(batch, link, info?.IsReadOnly == true).ConfigureAwait(false);
                batch.Relay(link, command, index);
                return;
            }

            await RunRelayedAsync(batch).ConfigureAwait(false);
            await RunPinnedAsync(batch).ConfigureAwait(false);
            batch.Shared.Add(command);
            batch.SharedAt.Add(index);
        }

        /// <summary>
        /// MGET, EXISTS or TOUCH over several slots, relayed as one command per slot when the connections to
        /// all their primaries are open; the reply is put together from the parts' bytes. False: use the router.
        /// </summary>
        private async Task<bool> TryRelaySplitAsync(SmartBatch batch, RedisCommand command, int index)
        {
            IReadOnlyList<(SlotSplit Part, RedisEndpoint Owner)>? split = _backend.Cluster.SplitForRelay(command);
            if (split == null)
            {
                return false;
            }

            var parts = new (RedisConnection Link, SlotSplit Part)[split.Count];
            for (int p = 0; p < split.Count; p++)
            {
                if (!_backend.Links.TryGet(split[p].Owner, _protocol, _clientId, out RedisConnection? link))
                {
                    return false;
                }

                parts[p] = (link!, split[p].Part);
            }

            foreach (var (link, _) in parts)
            {
                // MGET, EXISTS and TOUCH only read.
                await BeforeRelayOnAsync(batch, link, readsOnly: true).ConfigureAwait(false);
            }

            batch.RelaySplit(parts, command, index);
            return true;
        }

        /// <summary>
        /// Runs what must run before a command is relayed on <paramref name="link"/>: whatever is pinned or
        /// queued for the router, and the relayed commands too when the command would otherwise overtake them.
        /// </summary>
        private async Task BeforeRelayOnAsync(SmartBatch batch, RedisConnection link, bool readsOnly)
        {
            await RunPinnedAsync(batch).ConfigureAwait(false);
            await RunSharedAsync(batch.Shared, batch.SharedAt, batch.Replies).ConfigureAwait(false);
            if (batch.HasOtherLinkTo(link) || (batch.HasSplitPartOn(link) && !readsOnly))
            {
                // Two connections to one node (HELLO switched the protocol, or the connection was replaced
                // meanwhile) would not keep the commands in order: what went first must run first. Nor would
                // a write after a split MGET on its node, should the MGET have to run again.
                await RunRelayedAsync(batch).ConfigureAwait(false);
            }
        }

        /// <summary>Runs whatever the batch has queued (only one of its queues holds commands at a time).</summary>
        private async Task RunQueuedAsync(SmartBatch batch)
        {
            await RunRelayedAsync(batch).ConfigureAwait(false);
            await RunPinnedAsync(batch).ConfigureAwait(false);
            await RunSharedAsync(batch.Shared, batch.SharedAt, batch.Replies).ConfigureAwait(false);
        }

        /// <summary>
        /// Waits for the relayed commands' replies. Those that met a redirect or could not be sent run
        /// again, in order, through the router, which follows the slot and waits out a failover; one whose
        /// connection broke after it went out may have run, and its client gets an error instead.
        /// </summary>
        private async Task RunRelayedAsync(SmartBatch batch)
        {
            if (batch.Relayed.Count == 0)
            {
                return;
            }

            await TaskWaiting.WaitAsync(batch.SendRelayedAsync(), _abort.Token).ConfigureAwait(false);
            List<RedisCommand>? again = null;
            List<int>? againAt = null;
            for (int j = 0; j < batch.Relayed.Count; j++)
            {
                if (batch.NeedsRetry(batch.RelayedAt[j]))
                {
                    again ??= new List<RedisCommand>();
                    againAt ??= new List<int>();
                    again.Add(batch.Relayed[j]);
                    againAt.Add(batch.RelayedAt[j]);
                }
            }

            batch.ClearRelayed();
            if (again != null)
            {
                await RunSharedAsync(again, againAt!, batch.Replies).ConfigureAwait(false);
            }
        }

        /// <summary>The commands a single server answers about itself, answered as one; null: run it on the cluster.</summary>
        private async Task<RespValue?> AnswerLocallyAsync(string name, byte[][] args)
        {
            switch (name)
            {
                case "PING":
                    return args.Length > 2 ? WrongArity(name) : args.Length > 1 ? RespValue.BulkString(args[1]) : RespValue.SimpleString("PONG");
                case "ECHO":
                    return args.Length == 2 ? RespValue.BulkString(args[1]) : WrongArity(name);
                case "AUTH":
                    // The tunnel authenticates its own connections; the client's credential is not needed.
                    return RespValue.Ok;
                case "HELLO":
                    return Hello(args);
                case "SELECT":
                    if (args.Length != 2)
                    {
                        return WrongArity(name);
                    }

                    return Text(args[1]) == "0" ? RespValue.Ok : RespValue.Error("ERR DB index is out of range (a cluster has only database 0)");
                case "QUIT":
                    return RespValue.Ok;
                case "RESET":
                    _protocol = 2;
                    _client.Name = null;
                    _client.NoEvict = false;
                    _replies.Reset();
                    _multi = null;
                    _multiFailed = false;
                    _pin.Release();
                    return RespValue.SimpleString("RESET");
                case "UNWATCH":
                    _pin.Release();
                    return RespValue.Ok;
                case "READONLY":
                case "READWRITE":
                case "ASKING":
                    return RespValue.Ok;
                case "MULTI":
                    if (_multi != null)
                    {
                        return RespValue.Error("ERR MULTI calls can not be nested");
                    }

                    _multi = new List<RedisCommand>();
                    _multiFailed = false;
                    return RespValue.Ok;
                case "DISCARD":
                    if (_multi == null)
                    {
                        return RespValue.Error("ERR DISCARD without MULTI");
                    }

                    // Like Redis, DISCARD also ends the WATCH.
                    _multi = null;
                    _multiFailed = false;
                    _pin.Release();
                    return RespValue.Ok;
                case "CLIENT" when SmartReplySwitch.IsClientReply(name, args):
                    return _replies.Answer(args);
                case "CLIENT":
                    return SmartRefusals.Refused(name, args) ?? await SmartClientCommands.UnknownKillUserAsync(args, _backend, _abort.Token).ConfigureAwait(false) ?? (SmartClientCommands.IsUnblock(args)
                        ? await SmartClientCommands.UnblockAsync(args, _backend, _abort.Token).ConfigureAwait(false)
                        : SmartClientCommands.Answer(args, _client, _backend.Clients, out _closeAfterReply));
                case "INFO":
                    return await SmartServerInfo.RunAsync(_backend, args, Facts(), _abort.Token).ConfigureAwait(false);
                case "SCRIPT":
                case "FUNCTION":
                    // A kill must not queue behind the script it is meant to stop.
                    if (SmartScriptKill.IsKill(name, args))
                    {
                        return await SmartScriptKill.RunAsync(_backend, args, _batchRunsScript ? 1 : 0, _abort.Token).ConfigureAwait(false);
                    }

                    if (name == "SCRIPT" && args.Length > 1 && CommandNames.Of(args[1]) == "FLUSH")
                    {
                        _backend.Scripts.Forget();
                    }

                    return await SmartServerCommands.AnswerAsync(_backend, name, args, _abort.Token).ConfigureAwait(false);
                case "EVAL":
                case "EVAL_RO":
                    // One server has one script cache: a later EVALSHA finds the script wherever its keys are.
                    await _backend.Scripts.LoadEverywhereAsync(_backend, args, _abort.Token).ConfigureAwait(false);
                    return null;
                case "RANDOMKEY":
                case "SLOWLOG":
                case "CONFIG":
                    return await SmartServerCommands.AnswerAsync(_backend, name, args, _abort.Token).ConfigureAwait(false);
                default:
                    return SmartRefusals.Refused(name, args);
            }
        }

        /// <summary>
        /// What a server busy with a script answers (see <see cref="SmartBusyNodes"/>): BUSY, which fails a
        /// transaction being queued; an EXEC discards the transaction, and its WATCH, as Redis does.
        /// </summary>
        private async Task<RespValue> RefuseWhileBusyAsync(SmartBatch batch, string name, RespValue busy)
        {
            if (name != "EXEC")
            {
                _multiFailed |= _multi != null;
                return busy;
            }

            if (_pin.IsWatching)
            {
                // The WATCH's connection closes: what went before still needs it.
                await RunQueuedAsync(batch).ConfigureAwait(false);
            }

            _multi = null;
            _multiFailed = false;
            _pin.Release();
            return SmartBusyNodes.ExecAborted(busy);
        }

        /// <summary>
        /// (P|S)UNSUBSCRIBE while subscribed to nothing: what a server says then, one reply per channel named,
        /// or one with a null channel when none is (pushes for a RESP3 client).
        /// </summary>
        private RespValue[] NotSubscribed(string name, byte[][] args)
        {
            RespType type = _protocol >= 3 ? RespType.Push : RespType.Array;
            RespValue kind = RespValue.BulkString(name.ToLowerInvariant());
            var replies = new RespValue[Math.Max(1, args.Length - 1)];
            for (int c = 0; c < replies.Length; c++)
            {
                RespValue channel = args.Length > 1 ? RespValue.BulkString(args[c + 1]) : RespValue.NullBulkString;
                replies[c] = RespValue.Create(type, null, items: new[] { kind, channel, RespValue.FromInteger(0) });
            }

            return replies;
        }

        private RespValue Hello(byte[][] args)
        {
            int protocol = _protocol;
            if (args.Length > 1)
            {
                string version = Text(args[1]);
                if (version != "2" && version != "3")
                {
                    return RespValue.Error("NOPROTO unsupported protocol version");
                }

                protocol = version[0] - '0';
                for (int i = 2; i < args.Length; i++)
                {
                    string option = Text(args[i]).ToUpperInvariant();
                    if (option == "AUTH" && i + 2 < args.Length)
                    {
                        // Ignored: the tunnel holds the credentials.
                        i += 2;
                    }
                    else if (option == "SETNAME" && i + 1 < args.Length)
                    {
                        RespValue named = SmartClientCommands.SetName(_client, args[++i]);
                        if (named.IsError)
                        {
                            return named;
                        }
                    }
                    else
                    {
                        return RespValue.Error("ERR Syntax error in HELLO option '" + Text(args[i]) + "'");
                    }
                }
            }

            _protocol = protocol;
            return RespValue.Map(new[]
            {
                Pair("server", RespValue.BulkString("redis")),
                Pair("version", RespValue.BulkString(_backend.Version)),
                Pair("proto", RespValue.FromInteger(protocol)),
                Pair("id", RespValue.FromInteger(_clientId)),
                Pair("mode", RespValue.BulkString("standalone")),
                Pair("role", RespValue.BulkString("master")),
                Pair("modules", RespValue.Array()),
            });
        }

        /// <summary>The tunnel's own figures for INFO: one server's clients are the applications connected to the tunnel.</summary>
        private SmartServerFacts Facts()
        {
            TunnelStatistics stats = _context.Statistics;
            return new SmartServerFacts(_client.LocalPort, stats.ClientsNow, stats.ClientsTotal, stats.ClientsRefused, _context.Admission.Maximum);
        }

        /// <summary>Redis's full command name as CLIENT LIST shows it: lower case, container|subcommand.</summary>
        private string FullName(string name, byte[][] args)
        {
            CommandInfo? info = _backend.Cluster.Commands.Find(name);
            if (info != null && args.Length > 1 && info.Subcommands.Count > 0 && info.Subcommands.ContainsKey(Text(args[1])))
            {
                return (name + "|" + Text(args[1])).ToLowerInvariant();
            }

            return name.ToLowerInvariant();
        }

        /// <summary>Runs the collected commands as one batch through the shared cluster client.</summary>
        private async Task RunSharedAsync(List<RedisCommand> pending, List<int> slots, RespValue?[] replies)
        {
            if (pending.Count == 0)
            {
                return;
            }

            try
            {
                IReadOnlyList<RedisReply> results = await _backend.ExecuteAsync(pending.ToArray(), _abort.Token).ConfigureAwait(false);
                for (int j = 0; j < results.Count; j++)
                {
                    if (slots[j] >= 0)
                    {
                        replies[slots[j]] = results[j].Value;
                    }
                }
            }
            catch (RedisException ex)
            {
                _context.Statistics.Error();
                RespValue error = RespValue.Error("ERR tunnel: " + ErrorLines.OneLine(ex.Message));
                foreach (int slot in slots)
                {
                    if (slot >= 0)
                    {
                        replies[slot] = error;
                    }
                }
            }

            pending.Clear();
            slots.Clear();
        }

        /// <summary>
        /// A blocking command runs on a connection of this client's own to the key's primary, so a client
        /// blocked for minutes holds up nobody else's replies on the shared pipeline.
        /// </summary>
        private async Task<RespValue> RunBlockingAsync(RedisCommand command, byte[] key)
        {
            int slot = HashSlot.GetSlot(key);
            if (_pin.IsPinned && slot != _pin.WatchedSlot)
            {
                // The client's own connection is the one holding the WATCH, on the watched slot's primary.
                return RespValue.Error("ERR " + command.Name + " on a key outside the watched slot (" + _pin.WatchedSlot
                    + ") cannot run while WATCH holds this client's connection; UNWATCH first, or give the keys a common hash tag");
            }

            _client.Blocked = true;
            try
            {
                using (SmartBlockingOrder.Turn turn = await _backend.BlockingOrder.EnterAsync(_backend.OwnerOf(slot), _abort.Token).ConfigureAwait(false))
                {
                    return await _pin.RunOnOwnerAsync(slot, connection =>
                    {
                        _client.BlockedOn = connection;
                        return WaitWatchingClientAsync(turn.Send(connection, command, _abort.Token));
                    }, _abort.Token).ConfigureAwait(false);
                }
            }
            finally
            {
                _client.Blocked = false;
                _client.BlockedOn = null;
            }
        }

        /// <summary>A command between MULTI and EXEC: queued, after checking that a WATCH's connection can run it.</summary>
        private async Task<RespValue> QueueAsync(byte[][] args)
        {
            var command = RedisCommand.Create(args);
            if (_pin.IsWatching)
            {
                IReadOnlyList<int> keys;
                try
                {
                    keys = await _backend.Cluster.GetKeyIndicesAsync(command, _abort.Token).ConfigureAwait(false);
                }
                catch (RedisException ex)
                {
                    _multiFailed = true;
                    return RespValue.Error("ERR tunnel: cannot tell the keys of " + command.Name + ": " + ErrorLines.OneLine(ex.Message));
                }

                if (!AllInWatchedSlot(command, keys))
                {
                    // The block runs on the watched slot's connection; a key elsewhere would abort it there
                    // at every attempt, so it is refused now, as Redis refuses a command queued in error.
                    _multiFailed = true;
                    return CrossSlotExplainer.ExplainWatched(command, keys, _pin.WatchedSlot, _backend.Cluster.Slots);
                }
            }

            _multi!.Add(command);
            return Queued;
        }

        /// <summary>WATCH: all keys in one slot, and the slot of any WATCH before it; the client is then pinned to that slot's primary.</summary>
        private async Task<RespValue> WatchAsync(byte[][] args)
        {
            if (_multi != null)
            {
                return RespValue.Error("ERR WATCH inside MULTI is not allowed");
            }

            if (args.Length < 2)
            {
                return WrongArity("WATCH");
            }

            var command = RedisCommand.Create(args);
            var keys = new int[args.Length - 1];
            int slot = HashSlot.GetSlot(args[1]);
            bool oneSlot = true;
            for (int k = 1; k < args.Length; k++)
            {
                keys[k - 1] = k;
                oneSlot &= HashSlot.GetSlot(args[k]) == slot;
            }

            if (!oneSlot)
            {
                return CrossSlotExplainer.Explain(RespValue.Error("CROSSSLOT Keys in request don't hash to the same slot"), command, keys, _backend.Cluster.Slots);
            }

            if (_pin.IsWatching && slot != _pin.WatchedSlot)
            {
                return CrossSlotExplainer.ExplainWatched(command, keys, _pin.WatchedSlot, _backend.Cluster.Slots);
            }

            return await _pin.WatchAsync(command, slot, _abort.Token).ConfigureAwait(false);
        }

        /// <summary>EXEC while a WATCH holds the client: the block runs where the keys are watched, and the WATCH ends either way.</summary>
        private async Task<RespValue> ExecWatchedAsync(RedisCommand exec)
        {
            try
            {
                return _multiFailed
                    ? RespValue.Error("EXECABORT Transaction discarded because of previous errors.")
                    : await _pin.ExecAsync(_multi!, exec, _abort.Token).ConfigureAwait(false);
            }
            finally
            {
                _pin.Release();
            }
        }

        /// <summary>True when every key of <paramref name="command"/> is in the watched slot (and it has keys).</summary>
        private async Task<bool> InWatchedSlotAsync(RedisCommand command)
        {
            IReadOnlyList<int> keys;
            try
            {
                keys = await _backend.Cluster.GetKeyIndicesAsync(command, _abort.Token).ConfigureAwait(false);
            }
            catch (RedisException)
            {
                // The shared router looks the keys up again and reports the failure in the command's reply.
                return false;
            }

            return keys.Count > 0 && AllInWatchedSlot(command, keys);
        }

        private bool AllInWatchedSlot(RedisCommand command, IReadOnlyList<int> keys)
        {
            foreach (int key in keys)
            {
                if (HashSlot.GetSlot(command.Arguments[key].Span) != _pin.WatchedSlot)
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>
        /// Runs the collected commands of the watched slot on the connection that holds the WATCH. Those that
        /// found their slot moved did not run there; they run through the shared router instead, which
        /// follows the slot, and the lost WATCH makes the EXEC fail.
        /// </summary>
        private async Task RunPinnedAsync(SmartBatch batch)
        {
            List<RedisCommand> pinned = batch.Pinned;
            List<int> slots = batch.PinnedAt;
            RespValue?[] replies = batch.Replies;
            if (pinned.Count == 0)
            {
                return;
            }

            var moved = new List<RedisCommand>();
            var movedSlots = new List<int>();
            try
            {
                RespValue?[] results = await _pin.RunPinnedAsync(pinned, _abort.Token).ConfigureAwait(false);
                for (int j = 0; j < results.Length; j++)
                {
                    if (results[j] != null)
                    {
                        replies[slots[j]] = results[j];
                    }
                    else
                    {
                        moved.Add(pinned[j]);
                        movedSlots.Add(slots[j]);
                    }
                }
            }
            catch (RedisException ex)
            {
                // As on the shared path: whether they ran is unknown, so they are not sent again.
                _context.Statistics.Error();
                RespValue error = RespValue.Error("ERR tunnel: " + ErrorLines.OneLine(ex.Message));
                foreach (int slot in slots)
                {
                    replies[slot] = error;
                }
            }

            pinned.Clear();
            slots.Clear();
            await RunSharedAsync(moved, movedSlots, replies).ConfigureAwait(false);
        }

        /// <summary>
        /// Waits for a blocking reply, but gives up (closing the dedicated connection, which ends the wait on
        /// the server) when the client hangs up meanwhile: a BLPOP 0 must not outlive its client.
        /// </summary>
        private async Task<RespValue> WaitWatchingClientAsync(Task<RespValue> reply)
        {
            while (true)
            {
                Task done = await Task.WhenAny(reply, Task.Delay(500, _abort.Token)).ConfigureAwait(false);
                if (done == reply)
                {
                    return await reply.ConfigureAwait(false);
                }

                _abort.Token.ThrowIfCancellationRequested();
                bool gone;
                try
                {
                    gone = _socket.Poll(0, SelectMode.SelectRead) && _socket.Available == 0;
                }
                catch (Exception ex) when (ex is SocketException || ex is ObjectDisposedException)
                {
                    gone = true;
                }

                if (gone)
                {
                    _pin.Close();
                    throw new OperationCanceledException("The client closed its connection while blocked.");
                }
            }
        }

        /// <summary>
        /// For a command that can block (the server's COMMAND flags or ACL categories say so, module commands
        /// included; XREAD and XREADGROUP only with BLOCK), the argument index of the key that decides where it runs; -1 for any
        /// other command, or one without keys.
        /// </summary>
        private async Task<int> BlockingKeyIndexAsync(RedisCommand command, CommandInfo? info)
        {
            // XREAD and XREADGROUP are flagged blocking but block only with BLOCK; MayBlock also knows the
            // classic names for servers whose COMMAND reply tells neither flag nor category (before 6.0).
            bool streams = command.Name == "XREAD" || command.Name == "XREADGROUP";
            bool blocks = command.MayBlock || (!streams && info?.IsBlocking == true);
            if (!blocks)
            {
                return -1;
            }

            IReadOnlyList<int> keys;
            try
            {
                keys = await _backend.Cluster.GetKeyIndicesAsync(command, _abort.Token).ConfigureAwait(false);
            }
            catch (RedisException)
            {
                // The router looks the keys up again and reports the failure in the command's reply.
                return -1;
            }

            return keys.Count > 0 ? keys[0] : -1;
        }

        /// <summary>Redirects are the tunnel's business: a client that saw one would look for a cluster.</summary>
        private static RespValue Hide(RespValue reply)
        {
            if (reply.IsError)
            {
                string? prefix = reply.ErrorPrefix;
                if (prefix == "MOVED" || prefix == "ASK")
                {
                    return RespValue.Error("TRYAGAIN the slot is moving between nodes; try again");
                }
            }

            return reply;
        }

        private static KeyValuePair<RespValue, RespValue> Pair(string key, RespValue value) => new KeyValuePair<RespValue, RespValue>(RespValue.BulkString(key), value);

        private static RespValue WrongArity(string name) => RespValue.Error("ERR wrong number of arguments for '" + name.ToLowerInvariant() + "' command");

        private static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);
    }
}
