using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Client;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Routing;
using RedisCluster.Engine.Tunnel.Hosting;
using RedisCluster.Engine.Tunnel.Pinned;
using RedisCluster.Engine.Tunnel.Smart;

namespace RedisCluster.Engine.Tunnel
{
    /// <summary>
    /// A running tunnel: local plaintext listeners whose clients are relayed, over connections the tunnel
    /// secures (TLS) and authenticates, to a server or to the nodes of a cluster.
    /// </summary>
    public sealed class RedisTunnel : IDisposable
    {
        private static int _nextId;

        private readonly TunnelOptions _options;
        private readonly TunnelEventLog _log;
        private readonly TransportConnector _connector;
        private readonly TunnelContext _context;
        private readonly PinnedTopology? _topology;
        private TunnelListener? _standalone;
        private SmartBackend? _smart;
        private readonly TaskCompletionSource<bool> _completion = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenSource _monitorStop = new CancellationTokenSource();
        private readonly SemaphoreSlim _refreshSignal = new SemaphoreSlim(0, 1);
        private RedisConnection? _control;
        private Task _monitor = Task.CompletedTask;
        private Task? _stopping;
        private int _state;

        private RedisTunnel(TunnelOptions options, TunnelMode mode, TransportConnector connector, TunnelEventLog log, PinnedTopology? topology, int id, TunnelAccessPolicy? access)
        {
            _options = options;
            _connector = connector;
            _log = log;
            _topology = topology;
            Id = id;
            Mode = mode;
            Name = string.IsNullOrEmpty(options.Name) ? "tunnel" + id : options.Name!;
            Statistics = new TunnelStatistics();
            var opener = new UpstreamOpener(connector, options.Connection, mode == TunnelMode.Standalone ? options.Connection.Database : 0);
            _context = new TunnelContext(options, opener, Statistics, log, topology) { Access = access };
            topology?.Attach(_context);
            if (topology != null)
            {
                topology.RefreshRequested = RequestRefresh;
            }

            Started = DateTimeOffset.Now;
        }

        /// <summary>Process-unique number of the tunnel.</summary>
        public int Id { get; }

        public string Name { get; }

        public TunnelMode Mode { get; }

        /// <summary>The server, or the cluster node the tunnel was started with.</summary>
        public RedisEndpoint Upstream => _options.Upstream;

        public bool Tls => _options.Connection.UseTls;

        /// <summary>True when local clients must authenticate to the tunnel (-ClientCredential) before their commands are relayed.</summary>
        public bool ClientAuthentication => _context.Access?.RequiresPassword == true;

        /// <summary>The commands and ACL categories no tunnel client may run (-DenyCommand), as given.</summary>
        public ReadableList<string> DeniedCommands => new ReadableList<string>(_options.DenyCommands, ",");

        /// <summary>True when the tunnel accepts any server certificate (-SkipCertificateCheck): encrypted, but the server is not authenticated.</summary>
        public bool SkipCertificateCheck => _options.Connection.UseTls && _options.Connection.SkipCertificateCheck;

        /// <summary>The user the tunnel authenticates as (never the password).</summary>
        public string User => _options.Connection.User;

        public DateTimeOffset Started { get; }

        public TunnelState State => (TunnelState)Volatile.Read(ref _state);

        public TunnelStatistics Statistics { get; }

        /// <summary>The listeners now, each with the server it forwards to; as text, "local -> upstream" entries joined with "; ".</summary>
        public IReadOnlyList<TunnelListenerInfo> Listeners
        {
            get
            {
                var list = new List<TunnelListenerInfo>();
                if (State == TunnelState.Stopped)
                {
                    return new ReadableList<TunnelListenerInfo>(list, "; ");
                }

                if (_standalone != null)
                {
                    list.Add(_standalone.Snapshot());
                }
                else if (_topology != null)
                {
                    foreach (TunnelListener listener in _topology.Listeners)
                    {
                        list.Add(listener.Snapshot());
                    }

                    list.Sort((a, b) => a.LocalPort.CompareTo(b.LocalPort));
                }

                return new ReadableList<TunnelListenerInfo>(list, "; ");
            }
        }

        /// <summary>The most recent verbose messages and warnings, oldest first, with their times; as text, one per line.</summary>
        public IReadOnlyList<string> RecentEvents => new ReadableList<string>(_log.Recent, "\n");

        /// <summary>
        /// A task that completes when the tunnel has stopped. A method, not a property: shells read every
        /// property of an object they show or serialize, and a task's Result blocks until the tunnel stops.
        /// </summary>
        public Task WhenStopped() => _completion.Task;

        /// <summary>
        /// Checks the server (reachability, TLS, credentials), decides the mode, opens the listeners and
        /// returns once they accept clients.
        /// </summary>
        public static async Task<RedisTunnel> StartAsync(TunnelOptions options, CancellationToken cancellationToken = default)
        {
            if (options == null)
            {
                throw new ArgumentNullException(nameof(options));
            }

            var log = new TunnelEventLog(options.Log);
            var connector = new TransportConnector(options.Connection);

            // The full handshake once, before any port is opened: a wrong password or certificate is then
            // an error at start, not a surprise for the first application that connects.
            RedisConnection control = await RedisConnection.ConnectAsync(options.Upstream, connector, cancellationToken).ConfigureAwait(false);
            try
            {
                TunnelMode mode = options.Mode ?? (control.Hello.IsCluster ? TunnelMode.Smart : TunnelMode.Standalone);
                TunnelAccessPolicy? access = await TunnelAccessPolicy.LoadAsync(options, control, cancellationToken).ConfigureAwait(false);
                int id = Interlocked.Increment(ref _nextId);
                if (mode == TunnelMode.Standalone)
                {
                    control.Dispose();
                    var standalone = new RedisTunnel(options, mode, connector, log, null, id, access);
                    standalone._standalone = TunnelListener.Open(standalone._context, options.ListenPort, options.Upstream, "choose another with -ListenPort");
                    log.Verbose("Tunnel " + standalone.Name + ": standalone, " + standalone._standalone!.LocalEndpoint + " -> " + options.Upstream + ".");
                    return standalone;
                }

                if (mode == TunnelMode.Smart)
                {
                    if (!control.Hello.IsCluster)
                    {
                        throw new RedisConfigurationException("Smart mode needs a cluster, but " + options.Upstream + " is a " + control.Hello.Mode + " server; use -Mode Standalone.");
                    }

                    control.Dispose();
                    return await StartSmartAsync(options, connector, log, id, access, cancellationToken).ConfigureAwait(false);
                }

                if (!control.Hello.IsCluster)
                {
                    throw new RedisConfigurationException("Pinned mode needs a cluster, but " + options.Upstream + " is a " + control.Hello.Mode + " server; use -Mode Standalone.");
                }

                var topology = new PinnedTopology(AnnounceHostFor(options), options.Connection.UseTls, options.PortOffset);
                var tunnel = new RedisTunnel(options, mode, connector, log, topology, id, access);
                List<ClusterNodeEntry> nodes = await ReadNodesAsync(control, cancellationToken).ConfigureAwait(false);
                topology.Reconcile(nodes, initial: true);
                tunnel._control = control;
                tunnel._monitor = Task.Run(tunnel.MonitorAsync);
                log.Verbose("Tunnel " + tunnel.Name + ": pinned, " + topology.Listeners.Count + " node listener(s) for the cluster of " + options.Upstream + ".");
                return tunnel;
            }
            catch
            {
                control.Dispose();
                log.Dispose();
                throw;
            }
        }

        /// <summary>
        /// Smart mode: one shared cluster client behind one listener. The cluster client is opened first, so
        /// an unreachable cluster fails the start before a port is taken.
        /// </summary>
        private static async Task<RedisTunnel> StartSmartAsync(TunnelOptions options, TransportConnector connector, TunnelEventLog log, int id, TunnelAccessPolicy? access, CancellationToken cancellationToken)
        {
            // Application commands have no timeout, as on a server: a 40-second script is not broken off (and
            // with it the shared connection and everyone's commands on it).
            ConnectionOptions untimed = options.Connection.Clone();
            untimed.CommandTimeout = TimeSpan.Zero;
            // The tunnel's own requests (the topology, a command's keys) keep the -CommandTimeout: a hung node
            // must not hold every refresh, and with it every client that waits for one.
            var clientOptions = new RedisClientOptions(untimed) { Mode = RedisClientMode.Cluster, Log = log, TopologyTimeout = options.Connection.CommandTimeout };
            RedisClient client = await RedisClientFactory.ConnectAsync(new[] { options.Upstream }, clientOptions, cancellationToken).ConfigureAwait(false);
            if (!(client is ClusterRedisClient cluster))
            {
                client.Dispose();
                throw new RedisConfigurationException("Smart mode needs a cluster, but " + options.Upstream + " did not answer as one.");
            }

            var tunnel = new RedisTunnel(options, TunnelMode.Smart, connector, log, null, id, access);
            var backend = new SmartBackend(cluster, new TransportConnector(untimed), new SmartRelayLinks(untimed, tunnel.Statistics), tunnel._context);
            tunnel.Statistics.CountSharedConnections(backend.OpenSharedConnections);
            try
            {
                tunnel._smart = backend;
                tunnel._context.Smart = backend;
                tunnel._standalone = TunnelListener.Open(tunnel._context, options.ListenPort, options.Upstream, "choose another with -ListenPort");
                log.Verbose("Tunnel " + tunnel.Name + ": smart, " + tunnel._standalone.LocalEndpoint + " -> the cluster of " + options.Upstream + " ("
                    + cluster.Topology.Primaries.Count + " primaries).");
                return tunnel;
            }
            catch
            {
                backend.Dispose();
                throw;
            }
        }

        /// <summary>
        /// Stops the tunnel: closes the listeners first, then lets every connection deliver the replies it
        /// owes (up to the drain timeout) and closes it.
        /// </summary>
        public Task StopAsync()
        {
            lock (_completion)
            {
                if (_stopping == null)
                {
                    Volatile.Write(ref _state, (int)TunnelState.Stopping);
                    _stopping = StopCoreAsync();
                }

                return _stopping;
            }
        }

        private async Task StopCoreAsync()
        {
            try
            {
                _monitorStop.Cancel();
                var listeners = new List<TunnelListener>();
                if (_standalone != null)
                {
                    _standalone.StopAccepting();
                    listeners.Add(_standalone);
                }

                if (_topology != null)
                {
                    listeners.AddRange(_topology.Close());
                }

                var drains = new List<Task>();
                foreach (TunnelListener listener in listeners)
                {
                    drains.Add(listener.DrainAsync());
                }

                Task all = Task.WhenAll(drains);
                if (await Task.WhenAny(all, Task.Delay(_options.DrainTimeout + TimeSpan.FromSeconds(1))).ConfigureAwait(false) != all)
                {
                    foreach (TunnelListener listener in listeners)
                    {
                        listener.AbortAll();
                    }

                    await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false);
                }

                await Task.WhenAny(_monitor, Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false);
                _control?.Dispose();
                _smart?.Dispose();
                _log.Verbose("Tunnel " + Name + " stopped: " + Statistics + ".");
                _log.Dispose();
            }
            finally
            {
                Volatile.Write(ref _state, (int)TunnelState.Stopped);
                _completion.TrySetResult(true);
            }
        }

        /// <summary>Stops the tunnel, waiting for the drain.</summary>
        public void Dispose()
        {
            StopAsync().GetAwaiter().GetResult();
        }

        public override string ToString()
        {
            IReadOnlyList<TunnelListenerInfo> listeners = Listeners;
            string where = listeners.Count == 1 ? listeners[0].LocalEndpoint : listeners.Count + " listeners";
            return Name + " (" + Mode + ", " + where + " -> " + Upstream + ", " + State + ")";
        }

        private void RequestRefresh()
        {
            try
            {
                if (_refreshSignal.CurrentCount == 0)
                {
                    _refreshSignal.Release();
                }
            }
            catch (SemaphoreFullException)
            {
            }
        }

        /// <summary>Pinned mode: re-reads the topology every interval, or at once when asked, and follows it.</summary>
        private async Task MonitorAsync()
        {
            CancellationToken token = _monitorStop.Token;
            while (!token.IsCancellationRequested)
            {
                try
                {
                    await _refreshSignal.WaitAsync(_options.TopologyRefreshInterval, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                try
                {
                    RedisConnection control = await GetControlAsync(token).ConfigureAwait(false);
                    List<ClusterNodeEntry> nodes = await ReadNodesAsync(control, token).ConfigureAwait(false);
                    _topology!.Reconcile(nodes, initial: false);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (ex is RedisException || ex is OperationCanceledException || ex is SocketException || ex is System.IO.IOException)
                {
                    Statistics.Error();
                    _log.Warning("Tunnel " + Name + ": reading the cluster topology failed: " + ex.Message);
                    _control?.Dispose();
                    _control = null;
                }
            }
        }

        /// <summary>The topology connection, reopened to the first node that answers when it broke.</summary>
        private async Task<RedisConnection> GetControlAsync(CancellationToken token)
        {
            if (_control != null && _control.IsConnected)
            {
                return _control;
            }

            _control?.Dispose();
            _control = null;
            var candidates = new List<RedisEndpoint> { _options.Upstream };
            foreach (TunnelListener listener in _topology!.Listeners)
            {
                if (!candidates.Contains(listener.Upstream))
                {
                    candidates.Add(listener.Upstream);
                }
            }

            Exception? last = null;
            foreach (RedisEndpoint candidate in candidates)
            {
                try
                {
                    _control = await RedisConnection.ConnectAsync(candidate, _connector, token).ConfigureAwait(false);
                    Statistics.Reconnected();
                    _log.Verbose("Tunnel " + Name + ": reading the topology from " + candidate + " now.");
                    return _control;
                }
                catch (RedisConnectionException ex)
                {
                    last = ex;
                }
            }

            throw new RedisConnectionException(_options.Upstream.ToString(), "No cluster node answered: " + last?.Message, last);
        }

        private static async Task<List<ClusterNodeEntry>> ReadNodesAsync(RedisConnection control, CancellationToken token)
        {
            var reply = await control.ExecuteAsync(RedisCommand.Create("CLUSTER", "NODES"), token).ConfigureAwait(false);
            if (reply.IsError)
            {
                throw new RedisConnectionException(control.Endpoint.ToString(), "CLUSTER NODES on " + control.Endpoint + " failed: " + reply.GetString());
            }

            return ClusterNodesParser.Parse(reply.GetString() ?? string.Empty);
        }

        private static string AnnounceHostFor(TunnelOptions options)
        {
            if (!string.IsNullOrEmpty(options.AnnounceHost))
            {
                return options.AnnounceHost!;
            }

            IPAddress address = options.ListenAddress;
            if (address.Equals(IPAddress.Any))
            {
                return "127.0.0.1";
            }

            if (address.Equals(IPAddress.IPv6Any))
            {
                return "::1";
            }

            return address.ToString();
        }
    }
}
