using System;
using System.Buffers;
using System.IO;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Tunnel
{
    /// <summary>
    /// One accepted client and its own authenticated upstream connection, with a pump in each direction.
    /// Each pump reads only after its previous write has been flushed, so a slow reader on either side
    /// stops the other side's reads instead of growing a buffer: TCP flow control then pushes back to the
    /// sender.
    /// </summary>
    internal sealed class TunnelSession : ITunnelSession
    {
        private static long _nextId;

        private readonly TunnelContext _context;
        private readonly Socket _client;
        private readonly RedisEndpoint _upstreamEndpoint;
        private readonly CancellationTokenSource _stopReading = new CancellationTokenSource();
        private readonly CancellationTokenSource _abort = new CancellationTokenSource();
        private readonly CommandStreamScanner _commands;
        private readonly ReplyStreamRewriter _replies;
        private readonly ClientActivity _activity = new ClientActivity();
        private Stream? _upstream;
        private PipeReader? _upstreamReader;

        public TunnelSession(TunnelContext context, Socket client, RedisEndpoint upstream)
        {
            _context = context;
            _client = client;
            _upstreamEndpoint = upstream;
            Id = Interlocked.Increment(ref _nextId);
            TunnelOptions options = context.Options;
            Func<byte[]>? auth = context.Opener.HasCredential ? context.Opener.BuildAuthCommand : (Func<byte[]>?)null;
            _commands = new CommandStreamScanner(options.ClientLimits, Math.Min(options.MaxBufferedFrame, 64 * 1024), auth);
            _replies = new ReplyStreamRewriter(context.Map, upstream.Host, context.Connection.Limits, options.MaxBufferedFrame);
            _commands.Notable = _replies.Expect;
            _commands.Gate = context.NewGate();
            _commands.LocalReply = AnswerLocally;
            Client = QuietCleanup.RemoteName(client);
        }

        public long Id { get; }

        /// <summary>The client's address, for messages.</summary>
        public string Client { get; }

        /// <summary>
        /// Idle in Redis's <c>timeout</c> sense: nothing came from the client for <paramref name="timeout"/>, no
        /// reply is owed, and the connection is not subscribed (subscribers wait for messages, they are not idle).
        /// </summary>
        public bool IsIdleFor(TimeSpan timeout)
            => _activity.QuietFor(timeout) && !_replies.Desynced && _replies.RepliesCompleted >= _commands.CommandsCompleted;

        /// <summary>Stops taking commands from the client; replies still due are delivered, then the connection closes.</summary>
        public void BeginStop() => QuietCleanup.Cancel(_stopReading);

        /// <summary>Closes both connections at once.</summary>
        public void Abort()
        {
            QuietCleanup.Cancel(_stopReading);
            QuietCleanup.Cancel(_abort);
            QuietCleanup.Dispose(_upstream);
            QuietCleanup.Dispose(_client);
        }

        public async Task RunAsync()
        {
            TunnelStatistics stats = _context.Statistics;
            stats.ClientOpened();
            var clientStream = new NetworkStream(_client, ownsSocket: true);
            try
            {
                _upstream = await ConnectUpstreamAsync(clientStream).ConfigureAwait(false);
                if (_upstream != null)
                {
                    _context.Log.Verbose("Tunnel: client " + Client + " connected to " + _upstreamEndpoint + ".");
                    await RelayAsync(clientStream, _upstream).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException || ex is IOException || ex is ObjectDisposedException || ex is SocketException)
            {
                // The tunnel is stopping or a socket broke under us: the connection simply ends.
            }
            finally
            {
                QuietCleanup.Dispose(_upstream);
                if (_upstream != null)
                {
                    stats.UpstreamClosed();
                }

                QuietCleanup.Dispose(clientStream);
                stats.ClientClosed();
                _context.Log.Debug("Tunnel: client " + Client + " disconnected.");
            }
        }

        /// <summary>The upstream stream, or null (after telling the client why) when it cannot be opened.</summary>
        private async Task<Stream?> ConnectUpstreamAsync(Stream clientStream)
        {
            TunnelStatistics stats = _context.Statistics;
            try
            {
                Stream stream;
                try
                {
                    stream = await _context.Opener.OpenAsync(_upstreamEndpoint, _abort.Token).ConfigureAwait(false);
                }
                catch (Exception first) when (!_abort.IsCancellationRequested && IsRetryable(first))
                {
                    // One more try: a node that restarts, or a refusal during a failover, often works a moment
                    // later, and the client has not seen anything yet.
                    _context.Log.Debug("Tunnel: connecting client " + Client + " to " + _upstreamEndpoint + " failed (" + first.Message + "); trying again.");
                    await Task.Delay(100, _abort.Token).ConfigureAwait(false);
                    stream = await _context.Opener.OpenAsync(_upstreamEndpoint, _abort.Token).ConfigureAwait(false);
                    stats.Reconnected();
                }

                stats.UpstreamOpened();
                return stream;
            }
            catch (Exception ex) when (!_abort.IsCancellationRequested && !(ex is OperationCanceledException))
            {
                stats.Error();
                _context.Log.Warning("Tunnel: client " + Client + " could not be connected to " + _upstreamEndpoint + ": " + ex.Message);

                // The client reads this as the reply to its first command, which says more than a reset.
                await SendErrorAsync(clientStream, "ERR tunnel: cannot reach " + _upstreamEndpoint + ": " + ex.Message).ConfigureAwait(false);
                return null;
            }
        }

        private async Task RelayAsync(NetworkStream clientStream, Stream upstream)
        {
            int size = _context.Options.BufferSize;
            var writerOptions = new StreamPipeWriterOptions(LargeUnpooledMemoryPool.Instance, Math.Min(4096, size), leaveOpen: true);
            PipeReader clientReader = StreamPipes.Reader(clientStream, size, 4096, leaveOpen: true);
            PipeWriter clientWriter = PipeWriter.Create(clientStream, writerOptions);
            PipeReader upstreamReader = StreamPipes.Reader(upstream, size, 4096, leaveOpen: true);
            _upstreamReader = upstreamReader;
            PipeWriter upstreamWriter = PipeWriter.Create(upstream, writerOptions);

            Task up = PumpCommandsAsync(clientReader, upstreamWriter);
            Task down = PumpRepliesAsync(upstreamReader, clientWriter);
            Task first = await Task.WhenAny(up, down).ConfigureAwait(false);
            string? error = null;
            if (first == up)
            {
                // The client stopped sending (end of stream, garbage, or the tunnel is stopping): deliver the
                // replies still due for what it did send, then close.
                error = _commands.ProtocolError;
                await WaitForRepliesAsync(down).ConfigureAwait(false);
            }
            else if (_commands.QuitSent)
            {
                // The server closes the connection after answering QUIT: the client asked for that.
                _context.Log.Debug("Tunnel: client " + Client + " quit.");
            }
            else if (!_abort.IsCancellationRequested && !up.IsCompleted)
            {
                _context.Statistics.Error();
                string reason = down.IsFaulted ? down.Exception!.GetBaseException().Message : "the server closed the connection";
                _context.Log.Warning("Tunnel: upstream " + _upstreamEndpoint + " of client " + Client + " went away (" + reason + "); closing the client.");
            }

            QuietCleanup.Cancel(_stopReading);
            QuietCleanup.Cancel(_abort);
            try
            {
                await Task.WhenAll(up, down).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException || ex is IOException || ex is ObjectDisposedException || ex is SocketException || ex is RespProtocolException)
            {
            }

            if (error != null)
            {
                _context.Statistics.Error();
                _context.Log.Warning("Tunnel: client " + Client + " sent invalid RESP (" + error + "); disconnected.");
                try
                {
                    byte[] line = Encoding.UTF8.GetBytes("-ERR Protocol error: " + ErrorLines.OneLine(_commands.ProtocolErrorReason ?? error) + "\r\n");
                    await clientWriter.WriteAsync(line).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException || ex is ObjectDisposedException || ex is SocketException || ex is InvalidOperationException)
                {
                }
            }

            Complete(clientReader, clientWriter, upstreamReader, upstreamWriter);
            QuietCleanup.Shutdown(_client);
        }

        private async Task PumpCommandsAsync(PipeReader client, PipeWriter upstream)
        {
            TunnelStatistics stats = _context.Statistics;
            long lastCompleted = 0;
            CancellationToken token = _stopReading.Token;
            while (true)
            {
                ReadResult result = await client.ReadAsync(token).ConfigureAwait(false);
                _activity.Touch();
                ReadOnlySequence<byte> buffer = result.Buffer;
                SequencePosition used = _commands.Process(buffer, upstream, out long written);
                client.AdvanceTo(used, buffer.End);
                long completed = _commands.CommandsCompleted;
                stats.AddToServer(written, completed - lastCompleted);
                lastCompleted = completed;
                if (written > 0)
                {
                    FlushResult flushed = await upstream.FlushAsync(_abort.Token).ConfigureAwait(false);
                    if (flushed.IsCompleted)
                    {
                        return;
                    }
                }

                if (_commands.ProtocolError != null || result.IsCompleted || result.IsCanceled)
                {
                    return;
                }
            }
        }

        private async Task PumpRepliesAsync(PipeReader upstream, PipeWriter client)
        {
            TunnelStatistics stats = _context.Statistics;
            CancellationToken token = _abort.Token;
            while (true)
            {
                ReadResult result = await upstream.ReadAsync(token).ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = result.Buffer;
                SequencePosition used = _replies.Process(buffer, client, out long written);
                upstream.AdvanceTo(used, buffer.End);
                stats.AddToClient(written);
                if (written > 0)
                {
                    FlushResult flushed = await client.FlushAsync(token).ConfigureAwait(false);
                    if (flushed.IsCompleted)
                    {
                        return;
                    }
                }

                // A cancelled read without the token is AnswerLocally waking this pump.
                if (result.IsCompleted || (result.IsCanceled && token.IsCancellationRequested))
                {
                    return;
                }
            }
        }

        /// <summary>A command the tunnel answers itself: queued among the replies, and the reply pump woken to write it.</summary>
        private void AnswerLocally(long ordinal, byte[] reply)
        {
            _replies.AnswerLocally(ordinal, reply);
            _upstreamReader?.CancelPendingRead();
        }

        private async Task WaitForRepliesAsync(Task down)
        {
            DateTime deadline = DateTime.UtcNow + _context.Options.DrainTimeout;
            while (!down.IsCompleted && !_replies.Desynced && _replies.RepliesCompleted < _commands.CommandsCompleted && DateTime.UtcNow < deadline)
            {
                await Task.WhenAny(down, Task.Delay(5)).ConfigureAwait(false);
            }
        }

        private static async Task SendErrorAsync(Stream client, string message)
        {
            try
            {
                byte[] line = Encoding.UTF8.GetBytes("-" + ErrorLines.OneLine(message) + "\r\n");
                await client.WriteAsync(line, 0, line.Length).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException || ex is ObjectDisposedException || ex is SocketException)
            {
            }
        }

        private static bool IsRetryable(Exception ex)
            => ex is Errors.RedisConnectionException && !(ex is Errors.RedisAuthenticationException) && !(ex is Errors.RedisTlsException);

        private static void Complete(params object[] ends)
        {
            foreach (object end in ends)
            {
                try
                {
                    if (end is PipeReader reader)
                    {
                        reader.Complete();
                    }
                    else if (end is PipeWriter writer)
                    {
                        writer.Complete();
                    }
                }
                catch (Exception ex) when (ex is IOException || ex is ObjectDisposedException || ex is SocketException || ex is InvalidOperationException)
                {
                }
            }
        }
    }
}
