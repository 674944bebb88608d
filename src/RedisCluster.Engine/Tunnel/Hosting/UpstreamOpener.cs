using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Connections.EventLoop;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Tunnel.Hosting
{
    /// <summary>
    /// Opens the byte stream of one upstream connection for a client: TCP, TLS, then AUTH (and SELECT)
    /// sent by the tunnel in RESP2 framing. The connection stays RESP2 until the client itself sends
    /// HELLO, so the client gets exactly the protocol it asks for. Messages never contain the password.
    /// </summary>
    internal sealed class UpstreamOpener
    {
        private readonly TransportConnector _connector;
        private readonly ConnectionOptions _options;
        private readonly int _database;

        public UpstreamOpener(TransportConnector connector, ConnectionOptions options, int database)
        {
            _connector = connector;
            _options = options;
            _database = database;
        }

        /// <summary>True when the tunnel authenticates its connections (and so answers clients' AUTH for them).</summary>
        public bool HasCredential => _options.Credential != null;

        /// <summary>The tunnel's AUTH command as RESP bytes; the caller clears the array after use.</summary>
        public byte[] BuildAuthCommand()
        {
            var credential = _options.Credential!;
            var buffer = new GrowableBuffer(128);
            var args = new List<ReadOnlyMemory<byte>> { System.Text.Encoding.ASCII.GetBytes("AUTH") };
            if (!string.IsNullOrEmpty(credential.UserName))
            {
                args.Add(System.Text.Encoding.UTF8.GetBytes(credential.UserName));
            }

            args.Add(System.Text.Encoding.UTF8.GetBytes(credential.Password ?? string.Empty));
            RespWriter.WriteCommand(buffer, args);
            return buffer.ToArray();
        }

        public Task<Stream> OpenAsync(RedisEndpoint endpoint, CancellationToken cancellationToken) => OpenAsync(endpoint, null, cancellationToken);

        /// <summary>Opens the connection, on <paramref name="loop"/>'s sockets when one is given.</summary>
        public async Task<Stream> OpenAsync(RedisEndpoint endpoint, SocketEventLoop? loop, CancellationToken cancellationToken)
        {
            Stream stream = await _connector.ConnectAsync(endpoint, loop, cancellationToken).ConfigureAwait(false);
            try
            {
                var handshake = new GrowableBuffer(256);
                int replies = 0;
                byte[]? auth = null;
                if (HasCredential)
                {
                    auth = BuildAuthCommand();
                    handshake.Write(auth);
                    Array.Clear(auth, 0, auth.Length);
                    replies++;
                }

                if (_database != 0)
                {
                    RespWriter.WriteCommand(handshake, new ReadOnlyMemory<byte>[]
                    {
                        System.Text.Encoding.ASCII.GetBytes("SELECT"),
                        System.Text.Encoding.ASCII.GetBytes(_database.ToString(CultureInfo.InvariantCulture)),
                    });
                    replies++;
                }

                if (replies > 0)
                {
                    byte[] bytes = handshake.ToArray();
                    try
                    {
                        await RunHandshakeAsync(stream, bytes, replies, endpoint, cancellationToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        Array.Clear(bytes, 0, bytes.Length);
                        handshake.Clear();
                    }
                }

                return stream;
            }
            catch
            {
                stream.Dispose();
                throw;
            }
        }

        private async Task RunHandshakeAsync(Stream stream, byte[] request, int replies, RedisEndpoint endpoint, CancellationToken cancellationToken)
        {
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(_options.ConnectTimeout);

                // A read blocked on a silent server is only released by closing the stream.
                using (timeout.Token.Register(stream.Dispose))
                {
                    try
                    {
                        await stream.WriteAsync(request, 0, request.Length, timeout.Token).ConfigureAwait(false);
                        await stream.FlushAsync(timeout.Token).ConfigureAwait(false);
                        byte[] buffer = new byte[1024];
                        int filled = 0;
                        int seen = 0;
                        while (seen < replies)
                        {
                            var pending = new ReadOnlySequence<byte>(buffer, 0, filled);
                            if (RespReader.TryRead(pending, _options.Limits, out RespValue reply, out SequencePosition end))
                            {
                                int used = (int)pending.Slice(0, end).Length;
                                Buffer.BlockCopy(buffer, used, buffer, 0, filled - used);
                                filled -= used;
                                Check(reply, seen == 0 && HasCredential, endpoint);
                                seen++;
                                continue;
                            }

                            if (filled == buffer.Length)
                            {
                                Array.Resize(ref buffer, buffer.Length * 2);
                            }

                            int read = await stream.ReadAsync(buffer, filled, buffer.Length - filled, timeout.Token).ConfigureAwait(false);
                            if (read == 0)
                            {
                                throw new RedisConnectionException(endpoint.ToString(), "The server " + endpoint + " closed the connection during the tunnel's handshake"
                                    + (_options.UseTls ? "; the server may require a client certificate." : "; if it expects TLS, start the tunnel with -Tls."));
                            }

                            filled += read;
                        }
                    }
                    catch (Exception ex) when ((ex is ObjectDisposedException || ex is IOException || ex is OperationCanceledException) && timeout.IsCancellationRequested)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        throw new RedisTimeoutException(endpoint.ToString(), "The server " + endpoint + " did not answer the tunnel's handshake within "
                            + _options.ConnectTimeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s.");
                    }
                    catch (IOException ex)
                    {
                        throw new RedisConnectionException(endpoint.ToString(), "The connection to " + endpoint + " failed during the tunnel's handshake: " + ex.Message, ex);
                    }
                }
            }
        }

        private void Check(RespValue reply, bool isAuth, RedisEndpoint endpoint)
        {
            if (!reply.IsError)
            {
                return;
            }

            string message = reply.GetString() ?? string.Empty;
            if (isAuth)
            {
                string user = _options.User;
                if (ErrorReplyClassifier.Classify(reply) == ErrorReplyKind.WrongPass || message.IndexOf("invalid", StringComparison.OrdinalIgnoreCase) >= 0)
                {
                    throw new RedisAuthenticationException(endpoint.ToString(), "Authentication as user '" + user + "' to " + endpoint
                        + " failed: the user name or password is wrong, or the user is disabled.");
                }

                throw new RedisAuthenticationException(endpoint.ToString(), "Authentication as user '" + user + "' to " + endpoint + " failed: " + message);
            }

            throw new RedisConnectionException(endpoint.ToString(), "SELECT " + _database.ToString(CultureInfo.InvariantCulture) + " on " + endpoint + " failed: " + message);
        }
    }
}
