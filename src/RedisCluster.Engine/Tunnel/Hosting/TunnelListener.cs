using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Connections.EventLoop;
using RedisCluster.Engine.Tunnel.Smart;

namespace RedisCluster.Engine.Tunnel.Hosting
{
    /// <summary>A local port that accepts clients and gives each its own connection to one upstream server.</summary>
    internal sealed class TunnelListener
    {
        private readonly TunnelContext _context;
        private readonly TcpListener _listener;
        private readonly ConcurrentDictionary<ITunnelSession, Task> _sessions = new ConcurrentDictionary<ITunnelSession, Task>();
        private Task _acceptLoop = Task.CompletedTask;
        private LoopAcceptor? _acceptor;
        private Timer? _idleCheck;
        private int _closed;

        private TunnelListener(TunnelContext context, TcpListener listener, RedisEndpoint upstream, int localPort)
        {
            _context = context;
            _listener = listener;
            Upstream = upstream;
            LocalPort = localPort;
        }

        public RedisEndpoint Upstream { get; }

        public int LocalPort { get; }

        public string? NodeId { get; set; }

        public string Role { get; set; } = "standalone";

        public string LocalEndpoint
        {
            get
            {
                IPAddress address = _context.Options.ListenAddress;
                string host = address.AddressFamily == AddressFamily.InterNetworkV6 ? "[" + address + "]" : address.ToString();
                return host + ":" + LocalPort.ToString(CultureInfo.InvariantCulture);
            }
        }

        public int ClientCount => _sessions.Count;

        /// <summary>Binds the local port (synchronously, so a taken port is reported at once) and starts accepting.</summary>
        public static TunnelListener Open(TunnelContext context, int port, RedisEndpoint upstream, string portHint)
        {
            IPAddress address = context.Options.ListenAddress;
            var listener = new TcpListener(address, port);
            try
            {
                listener.Start(512);
            }
            catch (SocketException ex)
            {
                listener.Stop();
                string where = (address.AddressFamily == AddressFamily.InterNetworkV6 ? "[" + address + "]" : address.ToString()) + ":" + port.ToString(CultureInfo.InvariantCulture);
                if (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
                {
                    throw new TunnelException("The local port " + where + " (for " + upstream + ") is already in use; " + portHint + ".", portInUse: true, ex);
                }

                throw new TunnelException("Cannot listen on " + where + " (for " + upstream + "): " + ex.Message, portInUse: false, ex);
            }

            int actual = ((IPEndPoint)listener.LocalEndpoint).Port;
            var result = new TunnelListener(context, listener, upstream, actual);
            result._acceptor = LoopAcceptor.TryStart(listener.Server, result.Admit, result.AcceptRefused);
            if (result._acceptor == null)
            {
                result._acceptLoop = CallerContext.Without(() => Task.Run(result.AcceptLoopAsync));
            }
            else if (context.Smart != null)
            {
                context.Smart.Arrivals.Backlog = result._acceptor;
            }

            TimeSpan idle = context.Options.ClientIdleTimeout;
            if (idle > TimeSpan.Zero)
            {
                // Checked a few times per timeout, at most every second: a client is closed at most that late.
                TimeSpan period = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(50).Ticks, Math.Min(TimeSpan.FromSeconds(1).Ticks, idle.Ticks / 4)));
                result._idleCheck = new Timer(_ => result.CloseIdleClients(), null, period, period);
            }

            context.Log.Verbose("Tunnel: listening on " + result.LocalEndpoint + " for " + upstream + ".");
            return result;
        }

        public TunnelListenerInfo Snapshot() => new TunnelListenerInfo(LocalEndpoint, LocalPort, Upstream, NodeId, Role, ClientCount);

        /// <summary>Accepts with the runtime's sockets, where <see cref="LoopAcceptor"/> cannot be used.</summary>
        private async Task AcceptLoopAsync()
        {
            var backoff = new AcceptBackoff();
            while (Volatile.Read(ref _closed) == 0)
            {
                Socket socket;
                try
                {
                    socket = await _listener.AcceptSocketAsync().ConfigureAwait(false);
                    backoff.Succeeded();
                }
                catch (Exception ex) when (ex is ObjectDisposedException || ex is SocketException || ex is InvalidOperationException)
                {
                    if (Volatile.Read(ref _closed) != 0)
                    {
                        return;
                    }

                    // Accept failures (out of descriptors, out of buffers) must not end the listener, and trying
                    // again at once would only fail again: wait longer after each failure in a row.
                    TimeSpan delay = backoff.NextDelay();
                    ReportAcceptFailure(ex.Message, AcceptBackoff.IsResourceShortage(ex), delay);
                    await Task.Delay(delay).ConfigureAwait(false);
                    continue;
                }

                Admit(socket);
            }
        }

        private void AcceptRefused(int errno, TimeSpan delay)
            => ReportAcceptFailure("the system refused the connection (errno " + errno.ToString(CultureInfo.InvariantCulture) + ")", NativeAccept.IsResourceShortage(errno), delay);

        private void ReportAcceptFailure(string message, bool resourceShortage, TimeSpan delay)
        {
            _context.Statistics.Error();
            string cause = resourceShortage
                ? " (the system refuses more sockets; the tunnel has " + _context.Admission.Count + " clients, -MaxClients " + _context.Admission.Maximum + ")"
                : string.Empty;
            _context.Log.Warning("Tunnel: accepting on " + LocalEndpoint + " failed: " + message + cause + "; trying again in "
                + ((int)delay.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + " ms.");
        }

        /// <summary>Gives an accepted connection its session, or refuses it over the client limit; never throws.</summary>
        private void Admit(Socket socket)
        {
            if (Volatile.Read(ref _closed) != 0)
            {
                socket.Dispose();
                return;
            }

            if (!_context.Admission.TryAdmit())
            {
                Refuse(socket);
                return;
            }

            _context.Departures.Joined(_context.Admission.Count);
            ITunnelSession session;
            try
            {
                socket.NoDelay = true;

                // Smart mode parses commands itself; the other modes relay bytes over a connection of their own.
                session = _context.Smart != null
                    ? new SmartSession(_context, _context.Smart, socket)
                    : (ITunnelSession)new Relay.RelaySession(_context, socket, Upstream);
            }
            catch (Exception ex)
            {
                // One connection that cannot start must not end the listener.
                _context.Admission.Release();
                _context.Statistics.Error();
                _context.Log.Warning("Tunnel: a connection on " + LocalEndpoint + " could not start: " + ex.Message);
                socket.Dispose();
                return;
            }

            // The session runs without the execution context of whoever accepted it (a loop's thread, a client's
            // batch that took the backlog, the pool).
            CallerContext.Without(() =>
            {
                var start = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                Task run = RunSessionAsync(session, start.Task);
                _sessions[session] = run;
                start.SetResult(true);
            });
        }

        /// <summary>Like Redis over maxclients: the client reads one error line, then the connection closes.</summary>
        private void Refuse(Socket socket)
        {
            _context.Statistics.Refused();
            string client = QuietCleanup.RemoteName(socket);
            try
            {
                // A new socket's send buffer is empty: the line goes out at once, and a client that is not
                // reading cannot hold the accept loop up.
                socket.Blocking = false;
                socket.Send(ClientAdmission.RefusalLine);
            }
            catch (Exception ex) when (ex is SocketException || ex is ObjectDisposedException)
            {
            }

            QuietCleanup.Shutdown(socket);
            QuietCleanup.Dispose(socket);
            _context.Log.Warning("Tunnel: refused client " + client + " on " + LocalEndpoint + ": max number of clients reached ("
                + _context.Admission.Maximum.ToString(CultureInfo.InvariantCulture) + ", -MaxClients).");
        }

        /// <summary>Closes the clients idle for longer than the idle timeout, as Redis's <c>timeout</c> does: without a reply.</summary>
        private void CloseIdleClients()
        {
            TimeSpan timeout = _context.Options.ClientIdleTimeout;
            foreach (ITunnelSession session in _sessions.Keys)
            {
                if (session.IsIdleFor(timeout))
                {
                    _context.Log.Verbose("Tunnel: closing client " + session.Client + ", idle for " + timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture) + " s (-ClientIdleTimeout).");
                    session.Abort();
                }
            }
        }

        private async Task RunSessionAsync(ITunnelSession session, Task registered)
        {
            await registered.ConfigureAwait(false);
            try
            {
                await session.RunAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // A bug in one connection must not take the tunnel down with it.
                _context.Statistics.Error();
                _context.Log.Warning("Tunnel: the connection of client " + session.Client + " failed: " + ex.Message);
            }
            finally
            {
                _sessions.TryRemove(session, out _);
                _context.Admission.Release();
                _context.Departures.Left(_context.Admission.Count);
            }
        }

        /// <summary>Stops accepting; connections already accepted go on.</summary>
        public void StopAccepting()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0)
            {
                _acceptor?.Close();
                _listener.Stop();
                _context.Log.Verbose("Tunnel: stopped listening on " + LocalEndpoint + ".");
            }
        }

        /// <summary>Asks every connection to finish the replies it owes and close; returns when they have.</summary>
        public Task DrainAsync()
        {
            _idleCheck?.Dispose();
            var running = new List<Task>();
            foreach (KeyValuePair<ITunnelSession, Task> pair in _sessions)
            {
                pair.Key.BeginStop();
                running.Add(pair.Value);
            }

            running.Add(_acceptLoop);
            return Task.WhenAll(running);
        }

        /// <summary>Closes every connection at once.</summary>
        public void AbortAll()
        {
            foreach (ITunnelSession session in _sessions.Keys)
            {
                session.Abort();
            }
        }
    }
}
