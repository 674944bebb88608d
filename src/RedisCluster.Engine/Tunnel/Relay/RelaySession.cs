using System;
using System.IO;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Connections.EventLoop;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Tunnel.Hosting;

namespace RedisCluster.Engine.Tunnel.Relay
{
    /// <summary>
    /// One client of a standalone or pinned tunnel and its own authenticated upstream connection, with a
    /// <see cref="RelayPump"/> in each direction: the client's commands through a <see cref="CommandStreamScanner"/>,
    /// the server's replies through a <see cref="ReplyStreamRewriter"/>.
    /// </summary>
    internal sealed class RelaySession : ITunnelSession
    {
        private static long _nextId;

        private readonly TunnelContext _context;
        private readonly Socket _client;
        private readonly RedisEndpoint _upstreamEndpoint;
        private readonly CancellationTokenSource _abort = new CancellationTokenSource();
        private readonly CommandStreamScanner _commands;
        private readonly ReplyStreamRewriter _replies;
        private readonly ClientActivity _activity = new ClientActivity();
        private readonly SemaphoreSlim _clientWrites = new SemaphoreSlim(1, 1);
        private readonly int _commandFrameLimit;
        private readonly SocketEventLoop? _loop = SocketEventLoops.Next();
        private Stream? _clientStream;
        private Stream? _upstream;
        private int _localQueued;

        public RelaySession(TunnelContext context, Socket client, RedisEndpoint upstream)
        {
            _context = context;
            _client = client;
            _upstreamEndpoint = upstream;
            Id = Interlocked.Increment(ref _nextId);
            TunnelOptions options = context.Options;
            Func<byte[]>? auth = context.Opener.HasCredential ? context.Opener.BuildAuthCommand : (Func<byte[]>?)null;
            _commandFrameLimit = Math.Min(options.MaxBufferedFrame, 64 * 1024);
            _commands = new CommandStreamScanner(options.ClientLimits, _commandFrameLimit, auth);
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
        public void BeginStop()
        {
            // The client's read then ends as if the client had stopped sending.
            QuietCleanup.Shutdown(_client, SocketShutdown.Receive);
        }

        /// <summary>Closes both connections at once.</summary>
        public void Abort()
        {
            QuietCleanup.Cancel(_abort);
            QuietCleanup.Dispose(_upstream);

            // A loop's stream must close its socket itself: a descriptor closed under it is never heard of again.
            QuietCleanup.Dispose(_clientStream);
            QuietCleanup.Dispose(_client);
        }

        public async Task RunAsync()
        {
            TunnelStatistics stats = _context.Statistics;
            stats.ClientOpened();
            Stream clientStream = SocketEventLoops.StreamOf(_client, _loop);
            _clientStream = clientStream;
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
                    stream = await _context.Opener.OpenAsync(_upstreamEndpoint, _loop, _abort.Token).ConfigureAwait(false);
                }
                catch (Exception first) when (!_abort.IsCancellationRequested && IsRetryable(first))
                {
                    // One more try: a node that restarts, or a refusal during a failover, often works a moment
                    // later, and the client has not seen anything yet.
                    _context.Log.Debug("Tunnel: connecting client " + Client + " to " + _upstreamEndpoint + " failed (" + first.Message + "); trying again.");
                    await Task.Delay(100, _abort.Token).ConfigureAwait(false);
                    stream = await _context.Opener.OpenAsync(_upstreamEndpoint, _loop, _abort.Token).ConfigureAwait(false);
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

        private async Task RelayAsync(Stream clientStream, Stream upstream)
        {
            TunnelOptions options = _context.Options;
            TunnelStatistics stats = _context.Statistics;

            // Only the tunnel's own answers (a gate refusing or answering AUTH) share the client's side with the
            // reply pump: without a gate there is no second writer and no lock on the way.
            SemaphoreSlim? clientLock = _commands.Gate != null ? _clientWrites : null;
            long lastCompleted = 0;
            var up = new RelayPump(clientStream, upstream, _commands, options.BufferSize, _commandFrameLimit, null, written =>
            {
                _activity.Touch();
                long completed = _commands.CommandsCompleted;
                stats.AddToServer(written, completed - lastCompleted);
                lastCompleted = completed;
                return Volatile.Read(ref _localQueued) != 0 && Interlocked.Exchange(ref _localQueued, 0) != 0
                    ? WriteLocalRepliesAsync(clientStream)
                    : new ValueTask<bool>(_commands.ProtocolError == null);
            });
            var down = new RelayPump(upstream, clientStream, _replies, options.BufferSize, options.MaxBufferedFrame, clientLock, written =>
            {
                stats.AddToClient(written);
                return new ValueTask<bool>(true);
            });

            Task commands = up.RunAsync();
            Task replies = down.RunAsync();
            Task first = await Task.WhenAny(commands, replies).ConfigureAwait(false);
            string? error = null;
            if (first == commands)
            {
                // The client stopped sending (end of stream, garbage, or the tunnel is stopping): deliver the
                // replies still due for what it did send, then close.
                error = _commands.ProtocolError;
                await WaitForRepliesAsync(replies).ConfigureAwait(false);
            }
            else if (_commands.QuitSent)
            {
                // The server closes the connection after answering QUIT: the client asked for that.
                _context.Log.Debug("Tunnel: client " + Client + " quit.");
            }
            else if (!_abort.IsCancellationRequested && !commands.IsCompleted)
            {
                stats.Error();
                string reason = replies.IsFaulted ? replies.Exception!.GetBaseException().Message : "the server closed the connection";
                _context.Log.Warning("Tunnel: upstream " + _upstreamEndpoint + " of client " + Client + " went away (" + reason + "); closing the client.");
            }

            // Ends both pumps: a closed stream ends the read waiting on it.
            QuietCleanup.Cancel(_abort);
            QuietCleanup.Dispose(upstream);
            if (error == null)
            {
                QuietCleanup.Shutdown(_client);
            }

            try
            {
                await Task.WhenAll(commands, replies).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException || ex is IOException || ex is ObjectDisposedException || ex is SocketException
                || ex is RespProtocolException || ex is InvalidOperationException)
            {
            }

            if (error != null)
            {
                stats.Error();
                _context.Log.Warning("Tunnel: client " + Client + " sent invalid RESP (" + error + "); disconnected.");
                await SendErrorAsync(clientStream, "ERR Protocol error: " + ErrorLines.OneLine(_commands.ProtocolErrorReason ?? error)).ConfigureAwait(false);
                QuietCleanup.Shutdown(_client);
            }
        }

        /// <summary>
        /// A command the tunnel answers itself: queued among the replies. The reply pump writes it when the replies
        /// before it have gone out; the command pump writes it at the end of its batch if that is already so
        /// (the server may have nothing more to send).
        /// </summary>
        private void AnswerLocally(long ordinal, byte[] reply)
        {
            _replies.AnswerLocally(ordinal, reply);
            Volatile.Write(ref _localQueued, 1);
        }

        private async ValueTask<bool> WriteLocalRepliesAsync(Stream client)
        {
            var output = new RelayOutput();
            await _clientWrites.WaitAsync().ConfigureAwait(false);
            try
            {
                long written = _replies.WriteDueLocalReplies(output);
                if (written > 0)
                {
                    await RelayStreamIo.WriteAsync(client, output.Buffer, 0, output.Count, CancellationToken.None).ConfigureAwait(false);
                    _context.Statistics.AddToClient(written);
                }
            }
            finally
            {
                output.Reset();
                _clientWrites.Release();
            }

            return _commands.ProtocolError == null;
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
    }
}
