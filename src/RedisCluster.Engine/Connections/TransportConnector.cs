using System;
using System.IO;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Connections.EventLoop;
using RedisCluster.Engine.Errors;

namespace RedisCluster.Engine.Connections
{
    /// <summary>Opens the byte stream of a connection: TCP, then TLS when asked, with clear failure messages.</summary>
    public sealed class TransportConnector
    {
        private readonly ConnectionOptions _options;
        private readonly X509Certificate2Collection? _trustedRoots;
        private readonly X509Certificate2Collection? _clientCertificates;

        public TransportConnector(ConnectionOptions options)
        {
            _options = options;
            if (options.UseTls)
            {
                if (!string.IsNullOrEmpty(options.CaCertificatePath))
                {
                    _trustedRoots = CertificateLoader.LoadCaCertificates(options.CaCertificatePath!);
                }

                if (!string.IsNullOrEmpty(options.ClientCertificatePath))
                {
                    _clientCertificates = new X509Certificate2Collection(
                        CertificateLoader.LoadClientCertificate(options.ClientCertificatePath!, options.ClientKeyPath, options.ClientCertificatePassword));
                }
                else if (!string.IsNullOrEmpty(options.ClientKeyPath))
                {
                    throw new RedisConfigurationException("A client key was given without a client certificate; give both.");
                }
            }
        }

        public ConnectionOptions Options => _options;

        public Task<Stream> ConnectAsync(RedisEndpoint endpoint, CancellationToken cancellationToken)
            => ConnectAsync(endpoint, OnEventLoops ? SocketEventLoops.Next() : null, cancellationToken);

        /// <summary>Its connections' sockets go on the module's event loops where there are some (see <see cref="SocketEventLoop"/>).</summary>
        internal bool OnEventLoops { get; set; }

        /// <summary>Opens the stream, on <paramref name="loop"/>'s sockets when one is given (see <see cref="SocketEventLoop"/>).</summary>
        internal async Task<Stream> ConnectAsync(RedisEndpoint endpoint, SocketEventLoop? loop, CancellationToken cancellationToken)
        {
            Stream network = await ConnectSocketAsync(endpoint, loop, cancellationToken).ConfigureAwait(false);
            if (!_options.UseTls)
            {
                return network;
            }

            var validator = new ServerCertificateValidator(_trustedRoots, _options.SkipCertificateCheck);
            var ssl = new SslStream(network, leaveInnerStreamOpen: false, validator.Validate, SelectClientCertificate);
            string serverName = string.IsNullOrEmpty(_options.TlsServerName) ? endpoint.Host : _options.TlsServerName!;
            try
            {
                Task handshake = ssl.AuthenticateAsClientAsync(serverName, _clientCertificates, SslProtocols.None, checkCertificateRevocation: false);
                await WithTimeout(handshake, endpoint, cancellationToken, () => ssl.Dispose(),
                    "The TLS handshake with " + endpoint + " timed out after " + Seconds(_options.ConnectTimeout)
                    + "; the port may be a plaintext port (connect without -Tls, or use the server's tls-port).").ConfigureAwait(false);
                return ssl;
            }
            catch (AuthenticationException ex)
            {
                ssl.Dispose();
                string reason = validator.FailureReason != null
                    ? "The server certificate of " + endpoint + " was refused: " + validator.FailureReason + ". Use -SkipCertificateCheck only for testing."
                    : "The TLS handshake with " + endpoint + " failed (" + ex.Message + "); the port may be a plaintext port, or the server may require a client certificate.";
                throw new RedisTlsException(endpoint.ToString(), reason, ex);
            }
            catch (IOException ex)
            {
                ssl.Dispose();
                throw new RedisTlsException(endpoint.ToString(), "The TLS handshake with " + endpoint + " failed (" + ex.Message
                    + "); the port may be a plaintext port, or the server may require a client certificate (-ClientCertificatePath).", ex);
            }
        }

        private X509Certificate? SelectClientCertificate(object sender, string targetHost, X509CertificateCollection? local, X509Certificate? remote, string[]? acceptableIssuers)
            => _clientCertificates != null && _clientCertificates.Count > 0 ? _clientCertificates[0] : null;

        private async Task<Stream> ConnectSocketAsync(RedisEndpoint endpoint, SocketEventLoop? loop, CancellationToken cancellationToken)
        {
            IPAddress[] addresses;
            if (IPAddress.TryParse(endpoint.Host, out IPAddress? literal))
            {
                addresses = new[] { literal };
            }
            else
            {
                try
                {
                    addresses = await Dns.GetHostAddressesAsync(endpoint.Host).ConfigureAwait(false);
                }
                catch (SocketException ex)
                {
                    throw new RedisConnectionException(endpoint.ToString(), "The host name '" + endpoint.Host + "' could not be resolved: " + ex.Message, ex);
                }
            }

            Exception? last = null;
            foreach (IPAddress address in addresses)
            {
                var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                string timedOut = "Connecting to " + endpoint + " timed out after " + Seconds(_options.ConnectTimeout) + ".";
                try
                {
                    if (loop != null)
                    {
                        return await ConnectOnLoopAsync(loop, socket, new IPEndPoint(address, endpoint.Port), endpoint, timedOut, cancellationToken).ConfigureAwait(false);
                    }

                    await WithTimeout(socket.ConnectAsync(address, endpoint.Port), endpoint, cancellationToken, () => socket.Dispose(), timedOut).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch (SocketException ex)
                {
                    socket.Dispose();
                    last = ex;
                }
                catch (ObjectDisposedException ex)
                {
                    last = ex;
                }
            }

            string detail = last is SocketException se && se.SocketErrorCode == SocketError.ConnectionRefused
                ? "the connection was refused (is redis-server running on that port?)"
                : last?.Message ?? "no address";
            throw new RedisConnectionException(endpoint.ToString(), "Could not connect to " + endpoint + ": " + detail + ".", last);
        }

        private async Task<Stream> ConnectOnLoopAsync(SocketEventLoop loop, Socket socket, IPEndPoint address, RedisEndpoint endpoint, string timedOut,
            CancellationToken cancellationToken)
        {
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(_options.ConnectTimeout);
                try
                {
                    return await LoopSocketStream.ConnectAsync(loop, socket, address, timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new RedisTimeoutException(endpoint.ToString(), timedOut);
                }
            }
        }

        private async Task WithTimeout(Task operation, RedisEndpoint endpoint, CancellationToken cancellationToken, Action abort, string timeoutMessage)
        {
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(_options.ConnectTimeout);
                var gate = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                using (timeout.Token.Register(() => gate.TrySetResult(true)))
                {
                    if (await Task.WhenAny(operation, gate.Task).ConfigureAwait(false) != operation)
                    {
                        abort();
                        _ = operation.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
                        cancellationToken.ThrowIfCancellationRequested();
                        throw new RedisTimeoutException(endpoint.ToString(), timeoutMessage);
                    }
                }
            }

            await operation.ConfigureAwait(false);
        }

        private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) + " s";
    }
}
