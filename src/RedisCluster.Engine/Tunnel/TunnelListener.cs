using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Connections;

namespace RedisCluster.Engine.Tunnel
{
    /// <summary>A local port that accepts clients and gives each its own connection to one upstream server.</summary>
    internal sealed class TunnelListener
    {
        private readonly TunnelContext _context;
        private readonly TcpListener _listener;
        private readonly ConcurrentDictionary<ITunnelSession, Task> _sessions = new ConcurrentDictionary<ITunnelSession, Task>();
        private Task _acceptLoop = Task.CompletedTask;
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
            result._acceptLoop = Task.Run(result.AcceptLoopAsync);
            context.Log.Verbose("Tunnel: listening on " + result.LocalEndpoint + " for " + upstream + ".");
            return result;
        }

        public TunnelListenerInfo Snapshot() => new TunnelListenerInfo(LocalEndpoint, LocalPort, Upstream, NodeId, Role, ClientCount);

        private async Task AcceptLoopAsync()
        {
            while (Volatile.Read(ref _closed) == 0)
            {
                Socket socket;
                try
                {
                    socket = await _listener.AcceptSocketAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is ObjectDisposedException || ex is SocketException || ex is InvalidOperationException)
                {
                    if (Volatile.Read(ref _closed) != 0)
                    {
                        return;
                    }

                    // Accept failures (for example running out of file descriptors) must not end the listener.
                    _context.Statistics.Error();
                    _context.Log.Warning("Tunnel: accepting on " + LocalEndpoint + " failed: " + ex.Message);
                    await Task.Delay(100).ConfigureAwait(false);
                    continue;
                }

                if (Volatile.Read(ref _closed) != 0)
                {
                    socket.Dispose();
                    return;
                }

                socket.NoDelay = true;
                // Smart mode parses commands itself; the other modes relay bytes over a connection of their own.
                ITunnelSession session = _context.Smart != null
                    ? new SmartSession(_context, _context.Smart, socket)
                    : (ITunnelSession)new TunnelSession(_context, socket, Upstream);
                var start = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                Task run = RunSessionAsync(session, start.Task);
                _sessions[session] = run;
                start.SetResult(true);
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
            }
        }

        /// <summary>Stops accepting; connections already accepted go on.</summary>
        public void StopAccepting()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0)
            {
                _listener.Stop();
                _context.Log.Verbose("Tunnel: stopped listening on " + LocalEndpoint + ".");
            }
        }

        /// <summary>Asks every connection to finish the replies it owes and close; returns when they have.</summary>
        public Task DrainAsync()
        {
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
