using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.IO.Pipelines;
using System.Linq;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Connections.EventLoop;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Tunnel.Hosting;
using RedisCluster.Engine.Tunnel.Relay;
using RedisCluster.Engine.Tunnel.Smart.Tracking;

namespace RedisCluster.Engine.Tunnel.Smart
{
    /// <summary>
    /// One smart-mode client's connection: reads what the client pipelines, one read at a time, hands each read to
    /// its <see cref="SmartCommandPipeline"/> as one batch, and writes the replies back; hands the client to a
    /// subscription relay while it is subscribed. The next read waits for the previous replies to be flushed, so a
    /// client that does not read its replies only ever holds one batch.
    /// </summary>
    internal sealed class SmartSession : ITunnelSession
    {
        /// <summary>Commands taken per batch; more stay in the socket buffer, which bounds memory per client.</summary>
        private const int MaxBatch = 1024;

        /// <summary>Reply buffer kept between reads; one large reply must not hold its size for the life of the connection.</summary>
        private const int RetainedOutput = 256 * 1024;

        private readonly TunnelContext _context;
        private readonly SmartBackend _backend;
        private readonly Socket _socket;
        private Stream? _stream;
        private readonly CancellationTokenSource _stopReading = new CancellationTokenSource();
        private readonly CancellationTokenSource _abort = new CancellationTokenSource();
        private readonly long _clientId;
        private readonly SmartClientState _client;
        private readonly SmartPin _pin;
        private readonly SmartSessionState _state;
        private readonly SmartCommandPipeline _pipeline;
        private readonly TunnelClientGate? _gate;
        private readonly ClientActivity _activity = new ClientActivity();
        private readonly QueryBufferAccount _queryBuffer;
        // Who the query buffer's warning names: made once, not for every read.
        private readonly string _described;
        private readonly SmartClientWrites _writes;
        private readonly PushOutbox _pushes;
        private volatile bool _working;

        public SmartSession(TunnelContext context, SmartBackend backend, Socket socket)
        {
            _context = context;
            _backend = backend;
            _socket = socket;
            _clientId = backend.NextClientId();
            _client = new SmartClientState(_clientId, socket, Abort);
            _writes = new SmartClientWrites(context.Statistics);
            _pushes = new PushOutbox(_writes, Overflowed);
            _client.Pushes = _pushes;
            _pin = new SmartPin(context, backend);
            _gate = context.NewGate();
            Client = QuietCleanup.RemoteName(socket);
            _described = "smart client " + Client;
            _queryBuffer = context.QueryBuffers.Open(context.Options.ClientQueryBufferLimit);
            _state = new SmartSessionState(context, backend, socket, _abort, _clientId, _client, _pin, _gate);
            try
            {
                _pipeline = new SmartCommandPipeline(_state);
            }
            catch
            {
                // Registered already: an arrival never done would make every client's batch look for it from now on.
                _state.Arrival.Done();
                throw;
            }
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
            // A loop's stream must close its socket itself: a descriptor closed under it is never heard of again.
            QuietCleanup.Dispose(_stream);
            QuietCleanup.Dispose(_socket);
        }

        public async Task RunAsync()
        {
            TunnelStatistics stats = _context.Statistics;
            stats.ClientOpened();
            _backend.Clients.Add(_client);
            _state.Loop = SocketEventLoops.Next();
            Stream stream = SocketEventLoops.StreamOf(_socket, _state.Loop);
            _stream = stream;
            int size = _context.Options.BufferSize;
            PipeReader reader = StreamPipes.Reader(stream, size, 4096, leaveOpen: true);
            PipeWriter writer = StreamPipes.Writer(stream, Math.Min(4096, size), leaveOpen: true);
            _pushes.Attach(writer, _abort.Token);
            try
            {
                if (StreamPipes.ZeroByteReads)
                {
                    // The first bytes are awaited where they stay in the socket, which other clients' batches see
                    // (SmartArrivals), and marked read before the reader takes them: otherwise, between the reader's
                    // syscall and its continuation (long, under load or while the first call compiles), they would
                    // be neither in the socket nor known to be read, and another client's write could overtake them.
                    await RelayStreamIo.ReadAsync(stream, Array.Empty<byte>(), 0, 0, _stopReading.Token).ConfigureAwait(false);
                    _state.Arrival.Read();
                }

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
                _backend.Tracking.Disable(_client);
                _pin.Dispose();
                _state.Scripts.Dispose();
                _state.Arrival.Done();
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
                RespProtocolException? fault = null;
                CommandStart? start = null;
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
                    _state.Arrival.Read();
                    _activity.Touch();
                    if (!_queryBuffer.Admit(result.Buffer.Length, _described, _context))
                    {
                        return;
                    }

                    commands = TakeBatch(reader, result, out fault, out start);
                    ended = result.IsCompleted || result.IsCanceled;
                }

                _working = true;
                _pushes.Hold();
                if (commands.Count > 0)
                {
                    // A newcomer's commands that arrived before this read are taken first, and another client's
                    // blocking command taken before this read reaches its node first.
                    await _backend.WaitForEarlierAsync(_state, SmartWaitPoint.BatchStart).ConfigureAwait(false);
                    if (_client.Tracking.IsOn)
                    {
                        // Invalidations of writes that finished before this batch go before its replies.
                        await _backend.Tracking.BeforeBatchAsync(_client, _abort.Token).ConfigureAwait(false);
                        await _writes.WritePushesAsync(writer, _pushes, _abort.Token).ConfigureAwait(false);
                    }
                }

                bool quit;
                using (IDisposable? scripts = _backend.Busy.Track(commands, _pipeline.Transaction.Multi))
                {
                    _state.BatchRunsScript = scripts != null;
                    quit = commands.Count > 0 && await _pipeline.ProcessAsync(commands, output).ConfigureAwait(false);
                }

                // Until a command is complete its bytes stay in the pipe, and stay counted.
                if (commands.Count > 0 && _queryBuffer.Release())
                {
                    // Large arguments go now, not when the client sends its next command.
                    commands.Clear();
                    _pipeline.ForgetBatch();
                }

                if (fault != null)
                {
                    // Like Redis: the commands before the garbage are answered, then the error, then the close.
                    WriteProtocolError(output, fault);
                    quit = true;
                }

                await WriteOutAsync(writer, output).ConfigureAwait(false);
                _pushes.Release();

                // Its first read has been taken (and run): the other clients need not wait for it any more.
                _state.Arrival.Done();

                if (quit)
                {
                    return;
                }

                if (start != null && !ended && _state.SubscribeFrom == null && !await StreamAsync(reader, writer, start, output).ConfigureAwait(false))
                {
                    return;
                }

                if (_state.SubscribeFrom != null)
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
        /// bounded however much it pipelines. <paramref name="fault"/> is set when the input stops making sense;
        /// <paramref name="large"/> when the input ends in the start of a command with a large argument.
        /// </summary>
        private List<byte[][]> TakeBatch(PipeReader reader, ReadResult result, out RespProtocolException? fault, out CommandStart? large)
        {
            RespLimits limits = _context.Options.ClientLimits;
            ReadOnlySequence<byte> buffer = result.Buffer;
            // Sized for a typical pipeline at once rather than grown through 4, 8 and 16 for every read.
            var commands = new List<byte[][]>(16);
            fault = null;
            large = null;
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
                fault = ex;
            }

            long consumed = result.Buffer.Length - buffer.Length;
            if (!full && fault == null && !buffer.IsEmpty)
            {
                CommandStart.TryRead(buffer, limits, SmartLargeArguments.StreamFrom, out large);
            }

            // When the batch is full the rest is already here: say so, or the next read would wait for more.
            reader.AdvanceTo(buffer.Start, full ? buffer.Start : buffer.End);
            _context.Statistics.AddToServer(consumed, commands.Count);
            return commands;
        }

        /// <summary>
        /// The command that has begun to arrive with a large argument: streamed to its node when it may be, else
        /// left to arrive whole. False when the connection should close.
        /// </summary>
        private async Task<bool> StreamAsync(PipeReader reader, PipeWriter writer, CommandStart start, GrowableBuffer output)
        {
            bool? streamed;
            try
            {
                streamed = await _pipeline.TryStreamAsync(reader, start, output).ConfigureAwait(false);
            }
            catch (RespProtocolException ex)
            {
                WriteProtocolError(output, ex);
                await WriteOutAsync(writer, output).ConfigureAwait(false);
                return false;
            }

            if (streamed == true)
            {
                _queryBuffer.Release();
                await WriteOutAsync(writer, output).ConfigureAwait(false);
            }

            return streamed != false;
        }

        /// <summary>The client let its invalidation messages pile up: closed, as Redis closes a client over its output limit.</summary>
        private void Overflowed(string why)
        {
            _context.Statistics.Error();
            _context.Log.Warning("Tunnel: smart client " + Client + " was disconnected: " + why + ".");
            Abort();
        }

        /// <summary>Counts and logs the client's invalid input and answers it with Redis's own "Protocol error" text.</summary>
        private void WriteProtocolError(GrowableBuffer output, RespProtocolException fault)
        {
            _context.Statistics.Error();
            _context.Log.Warning("Tunnel: smart client " + Client + " sent invalid RESP (" + fault.Message + "); disconnected.");
            RespWriter.WriteValue(output, RespValue.Error("ERR Protocol error: " + ErrorLines.OneLine(fault.RedisReason ?? fault.Message)), _state.Protocol);
        }

        private async Task WriteOutAsync(PipeWriter writer, GrowableBuffer output)
        {
            if (output.WrittenCount > 0)
            {
                await _writes.WriteAsync(writer, output.WrittenMemory, _abort.Token).ConfigureAwait(false);
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
            List<byte[][]> from = _state.SubscribeFrom!;
            _state.SubscribeFrom = null;
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
                RespWriter.WriteValue(output, RespValue.Error("ERR tunnel: cannot open a subscription connection to " + endpoint + ": " + ErrorLines.OneLine(ex.Message)), _state.Protocol);
                await WriteOutAsync(writer, output).ConfigureAwait(false);
                from.RemoveAt(0);
                return from;
            }

            _context.Statistics.UpstreamOpened();
            _client.Subscribed = true;
            try
            {
                var subscription = new SmartSubscription(_context, upstream, _state.Protocol, _gate, others, _writes, _pipeline.Hello, _client);
                return await subscription.RunAsync(reader, writer, from, _stopReading.Token, _abort.Token).ConfigureAwait(false);
            }
            finally
            {
                // RunAsync closes the subscription's connection in every case.
                _context.Statistics.UpstreamClosed();
                _client.Subscribed = false;
            }
        }
    }
}
