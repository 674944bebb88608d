using System;
using System.Buffers;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Tunnel.Hosting;

namespace RedisCluster.Engine.Tunnel.Smart
{
    /// <summary>
    /// A smart client's command with a large argument (a SET of hundreds of megabytes, a RESTORE of a big dump),
    /// passed on to its key's primary as it arrives instead of held whole: on the client's own connection, so a
    /// client that stops halfway leaves the shared connections in step (its partial command dies with its own
    /// connection), and the tunnel holds no more of it than one read.
    /// </summary>
    internal sealed class SmartLargeArguments : SmartSessionPart
    {
        /// <summary>
        /// Arguments this large or larger are streamed. Smaller commands are cheaper to buffer and route as usual
        /// (a connection of the client's own costs a connect, and TLS and AUTH with it), and they may be anything.
        /// </summary>
        public const long StreamFrom = 1024 * 1024;

        private readonly SmartTransaction _transaction;

        public SmartLargeArguments(SmartSessionState state, SmartTransaction transaction)
            : base(state)
        {
            _transaction = transaction;
        }

        /// <summary>
        /// The primary to stream <paramref name="start"/> to, or null when the command must be read whole as usual:
        /// only a write command whose one key is its first argument (its route known from the key, and the same
        /// reply for either protocol version), outside MULTI and WATCH, that the tunnel's gate would let through and
        /// no busy node would refuse; its name and key must have arrived whole. What is streamed is not buffered, so
        /// it does not count against the tunnel's total query-buffer limit.
        /// </summary>
        public RedisEndpoint? RouteOf(CommandStart start)
        {
            // An argument over client-query-buffer-limit is read as usual, and closes the client as Redis would.
            if (start.LargeIndex < 2 || start.LargeLength > _context.Options.ClientQueryBufferLimit
                || _transaction.Multi != null || _state.Pin.IsWatching || _state.SubscribeFrom != null)
            {
                return null;
            }

            byte[][] leading = start.Arguments;
            string name = CommandNames.Of(leading[0]);
            CommandInfo? info = _backend.Cluster.Commands.Find(name);
            if (info == null || !info.IsWrite || info.IsBlocking || info.HasMovableKeys || info.Subcommands.Count > 0
                || info.FirstKey != 1 || info.LastKey != 1
                || _state.Gate?.Admit(name, leading) != null || _backend.Busy.Refusal(name, leading) != null)
            {
                return null;
            }

            return _backend.OwnerOf(HashSlot.GetSlot(leading[1]));
        }

        /// <summary>
        /// Passes the command that begins at the start of <paramref name="reader"/>'s input to <paramref name="owner"/>
        /// as it arrives and returns the server's reply; an error reply when the node cannot be reached or its
        /// connection breaks (the rest of the command is then read and dropped, to keep the client's input in step).
        /// Null when the client hung up before the command was whole.
        /// </summary>
        /// <exception cref="RespProtocolException">The client's input stopped being a command on the way.</exception>
        public async Task<RespValue?> StreamAsync(PipeReader reader, CommandStart start, RedisEndpoint owner)
        {
            CancellationToken token = _abort.Token;
            byte[][] leading = start.Arguments;
            _state.Client.Command(CommandNames.Of(leading[0]).ToLowerInvariant());

            // A blocking command another client sent earlier reaches its node first, as it would on one server.
            await _backend.BlockingOrder.WaitTurnAsync(token).ConfigureAwait(false);
            RedisConnection? connection = null;
            RespValue? failure = null;
            try
            {
                connection = await _state.Pin.OwnConnectionAsync(owner, token).ConfigureAwait(false);
            }
            catch (RedisException ex)
            {
                failure = RespValue.Error("ERR tunnel: cannot reach " + owner + " for a command with a large argument: " + ErrorLines.OneLine(ex.Message));
            }

            var framing = new CommandFraming(_context.Options.ClientLimits);
            var reply = new SingleReply();
            RedisCommand description = RedisCommand.Create(new[] { leading[0] });
            while (true)
            {
                ReadResult result = await reader.ReadAsync(token).ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = result.Buffer;
                long take;
                try
                {
                    take = framing.Advance(buffer);
                }
                catch (RespProtocolException)
                {
                    // The server has part of a command that will never end: only closing its connection ends it.
                    _state.Pin.Close();
                    throw;
                }

                ReadOnlySequence<byte> part = buffer.Slice(0, take);
                bool whole = framing.IsComplete;
                if (connection != null && failure == null && take > 0)
                {
                    try
                    {
                        await connection.SendRawAsync(writer =>
                        {
                            foreach (ReadOnlyMemory<byte> segment in part)
                            {
                                writer.Write(segment.Span);
                            }

                            return whole ? 1 : 0;
                        }, whole ? reply : null, description, token).ConfigureAwait(false);
                    }
                    catch (RedisException ex)
                    {
                        _state.Pin.Close();
                        failure = RespValue.Error("ERR tunnel: the connection to " + owner + " broke while a command with a large argument was on its way; it did not run ("
                            + ErrorLines.OneLine(ex.Message) + ")");
                    }
                }

                // Once the command is whole, what follows it is the next command, already here: not examined yet.
                reader.AdvanceTo(part.End, whole ? part.End : buffer.End);
                if (whole)
                {
                    break;
                }

                if (result.IsCompleted || result.IsCanceled)
                {
                    _state.Pin.Close();
                    return null;
                }
            }

            _context.Statistics.AddToServer(framing.Passed, 1);
            if (failure != null)
            {
                _context.Statistics.Error();
                return failure;
            }

            RespValue answer;
            try
            {
                await TaskWaiting.WaitAsync(reply.Task, token).ConfigureAwait(false);
                answer = await reply.Task.ConfigureAwait(false);
            }
            catch (RedisException ex)
            {
                _state.Pin.Close();
                _context.Statistics.Error();
                return RespValue.Error("ERR tunnel: the connection to " + owner + " broke after a command with a large argument went out; it may have run ("
                    + ErrorLines.OneLine(ex.Message) + ")");
            }

            if (ErrorReplyClassifier.Classify(answer).IsRedirect())
            {
                // The slot moved meanwhile; the argument is gone, so the client is told to send it again.
                _ = _backend.Cluster.RefreshTopologyAsync(CancellationToken.None);
            }

            return answer;
        }

        /// <summary>The one reply of a streamed command.</summary>
        private sealed class SingleReply : IReplySink
        {
            private readonly TaskCompletionSource<RespValue> _reply = new TaskCompletionSource<RespValue>(TaskCreationOptions.RunContinuationsAsynchronously);

            public Task<RespValue> Task => _reply.Task;

            public void OnReply(RespValue reply) => _reply.TrySetResult(reply);

            public void OnFailure(Exception error)
                => _reply.TrySetException(error as RedisException ?? new RedisConnectionException(string.Empty, error.Message, error));
        }
    }
}
