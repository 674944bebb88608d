using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections.EventLoop;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Connections
{
    /// <summary>
    /// One authenticated connection to one server. Any number of requests may be in flight; replies
    /// are matched to requests in order. When the connection breaks, every pending request fails at
    /// once with a connection error, and the connection stays broken (the pool replaces it).
    /// </summary>
    public sealed class RedisConnection : IDisposable
    {
        private static long _nextId;

        /// <summary>Bytes of queued-send buffer a connection keeps once a large send is done.</summary>
        private const int RetainedSendBuffer = 1024 * 1024;

        /// <summary>Most of the queued bytes handed to the socket's pipe per flush.</summary>
        private const int SendSlice = 1024 * 1024;

        private readonly Stream _stream;
        private readonly PipeReader _reader;
        private readonly PipeWriter _writer;
        private readonly ConnectionOptions _options;
        private readonly SemaphoreSlim _writeLock = new SemaphoreSlim(1, 1);
        private readonly PendingReplyQueue _pending = new PendingReplyQueue();
        private readonly Timer? _watchdog;
        private readonly Task _readLoop;
        private readonly object _queueGate = new object();
        private GrowableBuffer _queued = new GrowableBuffer(16 * 1024);
        private GrowableBuffer _sending = new GrowableBuffer(16 * 1024);
        private bool _flushing;

        // Set by the first Queue: from then on every send goes through the queue (see WriteAsync).
        private volatile bool _queueUsed;
        private Exception? _failure;
        private int _disposed;

        private RedisConnection(RedisEndpoint endpoint, Stream stream, ConnectionOptions options)
        {
            Endpoint = endpoint;
            _stream = stream;
            _options = options;
            Id = Interlocked.Increment(ref _nextId);
            _reader = StreamPipes.Reader(stream, 64 * 1024, 16 * 1024, leaveOpen: false);
            _writer = StreamPipes.Writer(stream, 64 * 1024, leaveOpen: false);
            _readLoop = Task.Run(ReadLoopAsync);
            if (options.CommandTimeout > TimeSpan.Zero)
            {
                long period = (long)Math.Max(50, Math.Min(1000, options.CommandTimeout.TotalMilliseconds / 4));
                _watchdog = new Timer(_ => CheckTimeout(), null, period, period);
            }
        }

        public RedisEndpoint Endpoint { get; }

        public ConnectionOptions Options => _options;

        /// <summary>Process-unique number, for logs.</summary>
        public long Id { get; }

        public ServerHello Hello { get; private set; } = new ServerHello("redis", string.Empty, 2, 0, "standalone", "master");

        /// <summary>2 or 3: the protocol negotiated in the handshake.</summary>
        public int Protocol => Hello.Protocol;

        public bool IsConnected => _failure == null && Volatile.Read(ref _disposed) == 0;

        /// <summary>Why the connection broke, if it did.</summary>
        public Exception? Failure => _failure;

        /// <summary>Out-of-band RESP3 push messages (pub/sub, tracking). Raised on the reader thread.</summary>
        public event Action<RedisConnection, RespValue>? PushReceived;

        /// <summary>
        /// Where replies that no request waits for go (raised on the reader thread). A subscribed connection
        /// sends its (un)subscribe commands without queuing replies for them, and the server's confirmations,
        /// messages and errors arrive here. Without a handler such a reply means the stream is out of step,
        /// and the connection breaks.
        /// </summary>
        public Action<RedisConnection, RespValue>? UnrequestedReply { get; set; }

        /// <summary>Raised once, when the connection breaks or is closed, with the reason.</summary>
        public event Action<RedisConnection, Exception>? Broken;

        /// <summary>The event loop a plaintext connection's socket is on; null on the runtime's sockets or under TLS.</summary>
        internal SocketEventLoop? Loop => (_stream as LoopSocketStream)?.Loop;

        /// <summary>Opens, secures and authenticates a connection.</summary>
        public static Task<RedisConnection> ConnectAsync(RedisEndpoint endpoint, TransportConnector connector, CancellationToken cancellationToken = default)
            => ConnectAsync(endpoint, connector, connector.ConnectAsync(endpoint, cancellationToken), cancellationToken);

        /// <summary>A connection whose socket is on <paramref name="loop"/> (see <see cref="TransportConnector.ConnectAsync(RedisEndpoint, SocketEventLoop?, CancellationToken)"/>).</summary>
        internal static Task<RedisConnection> ConnectAsync(RedisEndpoint endpoint, TransportConnector connector, SocketEventLoop loop, CancellationToken cancellationToken)
            => ConnectAsync(endpoint, connector, connector.ConnectAsync(endpoint, loop, cancellationToken), cancellationToken);

        private static async Task<RedisConnection> ConnectAsync(RedisEndpoint endpoint, TransportConnector connector, Task<Stream> connecting, CancellationToken cancellationToken)
        {
            Stream stream = await connecting.ConfigureAwait(false);
            var connection = new RedisConnection(endpoint, stream, connector.Options);
            try
            {
                connection.Hello = await ConnectionHandshake.RunAsync(connection, connector.Options, cancellationToken).ConfigureAwait(false);
                return connection;
            }
            catch
            {
                connection.Dispose();
                throw;
            }
        }

        public async Task<RespValue> ExecuteAsync(RedisCommand command, CancellationToken cancellationToken = default)
        {
            var completion = new TaskCompletionSource<RespValue>(TaskCreationOptions.RunContinuationsAsynchronously);
            await WriteAsync(new[] { command }, i => new PendingReply(command, completion), cancellationToken).ConfigureAwait(false);
            using (cancellationToken.Register(() => completion.TrySetCanceled()))
            {
                return await completion.Task.ConfigureAwait(false);
            }
        }

        /// <summary>Sends all commands with one flush and returns their replies in the same order.</summary>
        public async Task<RedisReply[]> ExecuteBatchAsync(IReadOnlyList<RedisCommand> commands, CancellationToken cancellationToken = default)
        {
            var batch = new PendingBatch(commands.Count);
            await WriteAsync(commands, i => new PendingReply(commands[i], batch, i), cancellationToken).ConfigureAwait(false);
            await TaskWaiting.WaitAsync(batch.Completion, cancellationToken).ConfigureAwait(false);
            var replies = new RedisReply[commands.Count];
            for (int i = 0; i < replies.Length; i++)
            {
                replies[i] = new RedisReply(commands[i], batch.Values[i], Endpoint, batch.Elapsed(i));
            }

            return replies;
        }

        /// <summary>
        /// Bulk path: <paramref name="write"/> encodes commands straight into the send buffer and returns
        /// how many replies they will produce (0 under CLIENT REPLY OFF); those replies go to
        /// <paramref name="sink"/>. Returns when the bytes are handed to the socket, so a slow server
        /// slows the caller down instead of growing a buffer.
        /// </summary>
        public Task SendRawAsync(Func<IBufferWriter<byte>, int> write, IReplySink? sink, RedisCommand description, CancellationToken cancellationToken = default)
            => WriteLockedAsync(() =>
            {
                int replies = write(_writer);
                if (replies > 0)
                {
                    if (sink == null)
                    {
                        throw new ArgumentException("Commands that reply need a sink for their replies.", nameof(sink));
                    }

                    // Nothing is flushed yet, so no reply can arrive before its entry is queued.
                    _pending.Enqueue(new PendingReply(description, sink, replies));
                }
            }, cancellationToken, cancellationToken);

        /// <summary>
        /// Relay path: queues <paramref name="commands"/> without sending them; their replies go, as the
        /// server's bytes, to <paramref name="sink"/>, the i-th with <paramref name="tags"/>[i] (neither list may
        /// change until every reply is in). <see cref="SendQueued"/> sends what is queued, and commands queued
        /// by other callers while a send is under way go out with the next one, so concurrent callers share
        /// writes (and the server reads many commands at a time). A connection used this way must be used only
        /// this way: other sends would interleave with the queue. Throws <see cref="RedisConnectionException"/>
        /// when the connection is already broken (the sink then hears nothing); once queued, every reply or
        /// failure reaches the sink exactly once.
        /// </summary>
        public void Queue(IReadOnlyList<RedisCommand> commands, IRawReplySink sink, IReadOnlyList<int> tags)
            => Enqueue(commands, new PendingReply(commands[0], sink, tags), null);

        /// <summary>
        /// Adds <paramref name="commands"/> to the send queue with their reply entries (<paramref name="all"/> for all of
        /// them, else one per command from <paramref name="each"/>), both under the queue's lock, so the reply queue's
        /// order is the wire order.
        /// </summary>
        private void Enqueue(IReadOnlyList<RedisCommand> commands, PendingReply? all, Func<int, PendingReply>? each)
        {
            Exception? queuing = null;
            lock (_queueGate)
            {
                ThrowIfBrokenBeforeSending();
                _queueUsed = true;

                // The reply queue takes the entry in the order the bytes are queued, which is the wire order.
                if (all != null)
                {
                    _pending.Enqueue(all);
                }
                else
                {
                    for (int i = 0; i < commands.Count; i++)
                    {
                        _pending.Enqueue(each!(i));
                    }
                }

                try
                {
                    ReserveQueueRoom(commands);
                    for (int i = 0; i < commands.Count; i++)
                    {
                        RespWriter.WriteCommand(_queued, commands[i].Arguments);
                    }
                }
                catch (Exception ex) when (!(ex is RedisConnectionException))
                {
                    queuing = ex;
                }
            }

            if (queuing != null)
            {
                // Half a command in the queue would put every later reply out of step: the connection is done.
                // The entry is queued, so the failure reports it to the sink; throwing would report it twice.
                // Outside the lock: a sink may carry on with its caller's next commands where it hears the failure.
                Fail(new RedisConnectionException(Endpoint.ToString(), "Queuing a command for " + Endpoint + " failed: " + queuing.Message, queuing));
                return;
            }

            if (_failure != null)
            {
                // Broken meanwhile: the failure may have emptied the reply queue before this entry joined it.
                FailPending();
            }
        }

        /// <summary>
        /// Makes room in the send queue for a large command at once: grown by doubling as it is written, a 400 MB
        /// argument would leave a 512 MB buffer, and a 256 MB one beside it while it is copied over.
        /// </summary>
        private void ReserveQueueRoom(IReadOnlyList<RedisCommand> commands)
        {
            long size = 0;

            // By index: a foreach over the interfaces would box two enumerators for every command relayed.
            for (int c = 0; c < commands.Count; c++)
            {
                IReadOnlyList<ReadOnlyMemory<byte>> arguments = commands[c].Arguments;
                size += 24;
                for (int a = 0; a < arguments.Count; a++)
                {
                    // The argument and its "$<length>\r\n...\r\n" framing, generously.
                    size += arguments[a].Length + 24;
                }
            }

            if (size > RetainedSendBuffer && size < int.MaxValue - _queued.WrittenCount)
            {
                _queued.GetSpan((int)size);
            }
        }

        /// <summary>
        /// Sends the queued commands soon, unless a send already under way will take them. The send waits its
        /// turn (at the end of the event loop's turn when called on a loop's thread, else on the thread pool):
        /// other callers queue their commands meanwhile and share it.
        /// </summary>
        public void SendQueued()
        {
            lock (_queueGate)
            {
                if (_flushing || _queued.WrittenCount == 0)
                {
                    return;
                }

                _flushing = true;
            }

            SocketEventLoop.RunSoon(StartSendingQueued, this);
        }

        private static readonly WaitCallback StartSendingQueued = state => _ = ((RedisConnection)state!).SendQueuedBytesAsync();

        /// <summary>Sends what is queued, then what was queued meanwhile, until nothing is left.</summary>
        private async Task SendQueuedBytesAsync()
        {
            try
            {
                while (true)
                {
                    GrowableBuffer sending;
                    lock (_queueGate)
                    {
                        if (_queued.WrittenCount == 0)
                        {
                            _flushing = false;
                            return;
                        }

                        sending = _queued;
                        _queued = _sending;
                        _sending = sending;
                    }

                    ReadOnlyMemory<byte> rest = sending.WrittenMemory;
                    while (!rest.IsEmpty)
                    {
                        // A slice at a time: the pipe holds what it is given until the flush, and a large
                        // command would otherwise be in memory twice more (the pipe's copy besides the queue's).
                        // Only this sender writes on a queued connection, so slices cannot interleave.
                        ReadOnlyMemory<byte> slice = rest.Slice(0, Math.Min(rest.Length, SendSlice));
                        rest = rest.Slice(slice.Length);
                        await WriteLockedAsync(null, slice, CancellationToken.None, CancellationToken.None).ConfigureAwait(false);
                    }

                    sending.Clear();
                    if (sending.Capacity > RetainedSendBuffer)
                    {
                        // A burst of large commands need not keep its buffer for the life of the connection.
                        lock (_queueGate)
                        {
                            _sending = new GrowableBuffer(16 * 1024);
                        }
                    }
                }
            }
            catch (Exception ex)
            {
                if (!(ex is RedisConnectionException))
                {
                    // Whatever went wrong, nothing queued can be sent any more: the owed replies fail now.
                    Fail(new RedisConnectionException(Endpoint.ToString(), "Sending to " + Endpoint + " failed: " + ex.Message, ex));
                }

                // The connection failed, and with it every reply still owed; nothing queued can be sent now.
                lock (_queueGate)
                {
                    _queued.Clear();
                    _flushing = false;
                }
            }
        }

        private Task WriteAsync(IReadOnlyList<RedisCommand> commands, Func<int, PendingReply> pendingFor, CancellationToken cancellationToken)
        {
            if (_queueUsed)
            {
                // A connection that relays queued commands (the smart tunnel's links, where it also asks a node a
                // question) takes every command through its queue: written directly, a command would overtake those
                // still queued on the wire while its reply was expected after theirs, and each would get the other's.
                Enqueue(commands, null, pendingFor);
                SendQueued();
                return Task.CompletedTask;
            }

            return WriteDirectAsync(commands, pendingFor, cancellationToken);
        }

        private Task WriteDirectAsync(IReadOnlyList<RedisCommand> commands, Func<int, PendingReply> pendingFor, CancellationToken cancellationToken)
            => WriteLockedAsync(() =>
            {
                for (int i = 0; i < commands.Count; i++)
                {
                    // Enqueue before writing, under the lock: the queue order is the wire order.
                    _pending.Enqueue(pendingFor(i));
                    RespWriter.WriteCommand(_writer, commands[i].Arguments);
                }
            }, cancellationToken, CancellationToken.None);

        /// <summary>Runs <paramref name="encode"/> and the flush under the write lock; a failed send breaks the connection.</summary>
        private Task WriteLockedAsync(Action encode, CancellationToken lockCancellation, CancellationToken flushCancellation)
            => WriteLockedAsync(encode, default, lockCancellation, flushCancellation);

        /// <summary>Writes <paramref name="bytes"/> (queued commands) when <paramref name="encode"/> is null: no closure per send.</summary>
        private async Task WriteLockedAsync(Action? encode, ReadOnlyMemory<byte> bytes, CancellationToken lockCancellation, CancellationToken flushCancellation)
        {
            await _writeLock.WaitAsync(lockCancellation).ConfigureAwait(false);
            try
            {
                ThrowIfBrokenBeforeSending();
                if (encode != null)
                {
                    encode();
                }
                else
                {
                    _writer.Write(bytes.Span);
                }

                FlushResult flushed = await _writer.FlushAsync(flushCancellation).ConfigureAwait(false);
                if (flushed.IsCompleted)
                {
                    Fail(new RedisConnectionException(Endpoint.ToString(), "The connection to " + Endpoint + " was closed while sending."));
                }
            }
            catch (Exception ex) when (ex is IOException || ex is ObjectDisposedException || ex is InvalidOperationException)
            {
                var error = new RedisConnectionException(Endpoint.ToString(), "Sending to " + Endpoint + " failed: " + ex.Message, ex);
                Fail(error);
                throw error;
            }
            finally
            {
                _writeLock.Release();
            }

            ThrowIfBroken();
        }

        /// <summary>Like <see cref="ThrowIfBroken"/>, for a request none of whose bytes are written yet: the failure says so.</summary>
        private void ThrowIfBrokenBeforeSending()
        {
            try
            {
                ThrowIfBroken();
            }
            catch (RedisConnectionException ex)
            {
                throw new RedisNotSentException(Endpoint.ToString(), ex.Message, ex);
            }
        }

        private void ThrowIfBroken()
        {
            if (_failure != null)
            {
                throw _failure as RedisConnectionException
                    ?? new RedisConnectionException(Endpoint.ToString(), "The connection to " + Endpoint + " is broken: " + _failure.Message, _failure);
            }

            if (Volatile.Read(ref _disposed) != 0)
            {
                throw new RedisConnectionException(Endpoint.ToString(), "The connection to " + Endpoint + " is closed.");
            }
        }

        private async Task ReadLoopAsync()
        {
            try
            {
                bool partial = false;
                var skipper = new RespFrameSkipper();
                while (true)
                {
                    ReadResult result = await _reader.ReadAsync().ConfigureAwait(false);
                    ReadOnlySequence<byte> buffer = result.Buffer;

                    // A large reply arrives in many reads. While one is incomplete, only look for its end
                    // (no allocation); build values once it is all there. Replies to queued sends are only
                    // ever cut out and handed on as bytes.
                    while (!buffer.IsEmpty)
                    {
                        if (_pending.Head() is PendingReply head && head.IsRaw && RespReader.FirstByte(buffer) != (byte)'>')
                        {
                            if (!skipper.TrySkip(buffer, _options.Limits, out SequencePosition rawEnd))
                            {
                                break;
                            }

                            if (_failure == null && head.CompleteRaw(buffer.Slice(0, rawEnd)))
                            {
                                DequeueIfHead(head);
                            }

                            buffer = buffer.Slice(rawEnd);
                            continue;
                        }

                        if (partial && !skipper.TrySkip(buffer, _options.Limits, out _))
                        {
                            break;
                        }

                        if (!TryReadReply(buffer, skipper, out RespValue value, out SequencePosition end))
                        {
                            partial = true;
                            break;
                        }

                        partial = false;
                        buffer = buffer.Slice(end);
                        Dispatch(value);
                    }

                    _reader.AdvanceTo(buffer.Start, buffer.End);
                    if (result.IsCompleted || result.IsCanceled)
                    {
                        break;
                    }
                }

                Fail(new RedisConnectionException(Endpoint.ToString(), "The server " + Endpoint + " closed the connection."));
            }
            catch (RespProtocolException ex)
            {
                Fail(new RedisConnectionException(Endpoint.ToString(), "The server " + Endpoint + " sent malformed RESP: " + ex.Message, ex));
            }
            catch (Exception ex)
            {
                Fail(new RedisConnectionException(Endpoint.ToString(), "Reading from " + Endpoint + " failed: " + ex.Message, ex));
            }
        }

        /// <summary>
        /// Reads the reply at the head of <paramref name="buffer"/>. A well-formed reply that is beyond what a
        /// value may hold (nested deeper than the limit: a Lua table that holds itself comes back thousands of
        /// levels deep) becomes an error for the command that asked, and the connection reads on: breaking it
        /// would fail every other request on it, and whoever retried them would run them twice.
        /// </summary>
        private bool TryReadReply(ReadOnlySequence<byte> buffer, RespFrameSkipper skipper, out RespValue value, out SequencePosition end)
        {
            try
            {
                return RespReader.TryRead(buffer, _options.Limits, out value, out end);
            }
            catch (RespProtocolException ex)
            {
                // Malformed after all: the skipper throws too, and the connection fails.
                if (!skipper.TrySkip(buffer, _options.Limits, out end))
                {
                    value = RespValue.Null;
                    return false;
                }

                value = RespValue.Unrepresentable("ERR the reply from " + Endpoint + " cannot be represented (" + ex.Message + "); it was skipped",
                    buffer.Slice(0, end).ToArray());
                return true;
            }
        }

        private void Dispatch(RespValue value)
        {
            if (value.Type == RespType.Push && !(_pending.Head() is PendingReply head && IsPushReply(head.Command)))
            {
                PushReceived?.Invoke(this, value);
                return;
            }

            if (_failure != null)
            {
                return;
            }

            if (_pending.Head() is PendingReply pending)
            {
                if (pending.Complete(value))
                {
                    DequeueIfHead(pending);
                }
            }
            else if (UnrequestedReply is Action<RedisConnection, RespValue> unrequested)
            {
                unrequested(this, value);
            }
            else if (value.Type != RespType.Push)
            {
                // A reply nobody asked for means the stream is out of step: nothing after it can be trusted.
                Fail(new RedisConnectionException(Endpoint.ToString(), "The server " + Endpoint + " sent a reply with no request waiting for it."));
            }
        }

        private static bool IsPushReply(RedisCommand command)
        {
            // In RESP3 the confirmations of (un)subscribe commands arrive as pushes.
            string name = command.Name;
            return name.EndsWith("SUBSCRIBE", StringComparison.Ordinal);
        }

        private void CheckTimeout()
        {
            if (!(_pending.Head() is PendingReply head) || head.MayBlock)
            {
                return;
            }

            double waitedMs = (Stopwatch.GetTimestamp() - head.Started) * 1000.0 / Stopwatch.Frequency;
            if (waitedMs > _options.CommandTimeout.TotalMilliseconds)
            {
                Fail(new RedisTimeoutException(Endpoint.ToString(),
                    "No reply from " + Endpoint + " to '" + head.Command.ToDisplayString(32) + "' within "
                    + _options.CommandTimeout.TotalSeconds.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture)
                    + " s; the connection was closed (raise the timeout for slow commands)."));
            }
        }

        private void Fail(Exception error)
        {
            if (Interlocked.CompareExchange(ref _failure, error, null) == null)
            {
                _watchdog?.Dispose();
                try
                {
                    _stream.Dispose();
                }
                catch (Exception)
                {
                    // Already broken; the pending requests learn why from the error below.
                }

                Broken?.Invoke(this, error);
            }

            FailPending();
        }

        private void FailPending()
        {
            while (_pending.TakeHead() is PendingReply pending)
            {
                pending.Fail(_failure!);
            }
        }

        /// <summary>Takes <paramref name="entry"/> off the reply queue unless a failure already took it.</summary>
        private void DequeueIfHead(PendingReply entry) => _pending.DequeueIfHead(entry);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            Fail(new RedisConnectionException(Endpoint.ToString(), "The connection to " + Endpoint + " was closed."));
            _watchdog?.Dispose();
            _reader.CancelPendingRead();
        }
    }
}
