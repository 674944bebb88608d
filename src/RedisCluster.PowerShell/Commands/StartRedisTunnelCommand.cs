using System;
using System.Management.Automation;
using System.Net;
using RedisCluster.Engine;
using RedisCluster.Engine.Client;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Tunnel;
using RedisCluster.PowerShell.Session;
using RedisCluster.PowerShell.Tunnel;

namespace RedisCluster.PowerShell.Commands
{
    /// <summary>
    /// Starts a tunnel: local plaintext listeners without credentials whose clients are relayed over TLS,
    /// authenticated, to a server (Standalone) or to every node of a cluster (Pinned). In the foreground
    /// it writes the tunnel and runs until Ctrl+C; with -PassThru it returns at once and keeps running.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Start, "RedisTunnel", DefaultParameterSetName = EndpointSet)]
    [OutputType(typeof(RedisTunnel))]
    public sealed class StartRedisTunnelCommand : RedisConnectionCmdlet
    {
        /// <summary>An open connection whose endpoint, TLS settings and credential the tunnel uses.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ConnectionSet, ValueFromPipeline = true)]
        public RedisClient? Connection { get; set; }

        /// <summary>Standalone, Pinned or Smart. Default: Smart for a cluster, Standalone otherwise.</summary>
        [Parameter]
        public TunnelMode Mode { get; set; }

        /// <summary>The local address to listen on (default 127.0.0.1).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string ListenAddress { get; set; } = "127.0.0.1";

        /// <summary>Standalone and Smart modes: the local port (default 6379; 0 picks a free one).</summary>
        [Parameter]
        [ValidateRange(0, 65535)]
        public int ListenPort { get; set; } = RedisEndpoint.DefaultPort;

        /// <summary>Pinned mode: added to every node's port to give its local port.</summary>
        [Parameter]
        [ValidateRange(-65535, 65535)]
        public int PortOffset { get; set; }

        /// <summary>Pinned mode: the host that rewritten node addresses name (default: the listen address).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? AnnounceAddress { get; set; }

        /// <summary>A name for Get-RedisTunnel and Stop-RedisTunnel (default tunnel&lt;Id&gt;).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        /// <summary>Seconds that stopping waits for replies already due.</summary>
        [Parameter]
        [ValidateRange(0, 3600)]
        public int DrainTimeout { get; set; } = 5;

        /// <summary>Pinned mode: seconds between topology checks.</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int TopologyRefreshInterval { get; set; } = 5;

        /// <summary>
        /// A password (and user name) local clients must give with AUTH or HELLO ... AUTH before any other
        /// command. Without it every local client has all the rights of the tunnel's own user.
        /// </summary>
        [Parameter]
        [Credential]
        public PSCredential? ClientCredential { get; set; }

        /// <summary>Commands no tunnel client may run: names (CONFIG, CONFIG|GET, 'CLIENT KILL') and ACL categories (@admin, @dangerous).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? DenyCommand { get; set; }

        /// <summary>
        /// Most clients at once (Redis's maxclients); one more reads "ERR max number of clients reached" and is closed.
        /// Default: 10000, or fewer when the process's descriptor limit (ulimit -n) could not serve that many.
        /// </summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int MaxClients { get; set; }

        /// <summary>Seconds after which a client that sent nothing (and waits for no reply) is closed, like Redis's timeout; 0 (default): never.</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int ClientIdleTimeout { get; set; }

        /// <summary>Largest argument a client may send, in bytes (Redis's proto-max-bulk-len, default 512 MB).</summary>
        [Parameter]
        [ValidateRange(1L, long.MaxValue)]
        public long ProtoMaxBulkLength { get; set; } = 512L * 1024 * 1024;

        /// <summary>Smart mode: most one client may have buffered of commands not yet run, in bytes (Redis's client-query-buffer-limit, default 1 GB).</summary>
        [Parameter]
        [ValidateRange(1024L * 1024, long.MaxValue)]
        public long ClientQueryBufferLimit { get; set; } = 1024L * 1024 * 1024;

        /// <summary>Smart mode: most all clients together may have buffered, in bytes (default 1 GB; 0: no limit).</summary>
        [Parameter]
        [ValidateRange(0L, long.MaxValue)]
        public long TotalQueryBufferLimit { get; set; } = 1024L * 1024 * 1024;

        /// <summary>Return the tunnel at once and keep it running in the background of the session.</summary>
        [Parameter]
        [Alias("Background")]
        public SwitchParameter PassThru { get; set; }

        protected override void EndProcessing()
        {
            IPAddress listen = ParseListenAddress();
            ConnectionOptions connection;
            RedisEndpoint upstream;
            // Not bound: the server decides (a nullable parameter would show as Nullable`1 in help).
            TunnelMode? mode = MyInvocation.BoundParameters.ContainsKey(nameof(Mode)) ? Mode : (TunnelMode?)null;
            if (Connection != null)
            {
                connection = Connection.Options.Connection;
                upstream = Connection.Endpoint;

                // The tunnel is a new connection object (Connect-Redis warned about its own); -Endpoint warns in OpenClient.
                WarnIfCertificateUnchecked(connection, upstream.ToString());
            }
            else
            {
                // Connect once the usual way: it checks the endpoint, TLS and credential with clear errors.
                RedisClient probe = OpenClient();
                connection = probe.Options.Connection;
                upstream = probe.Endpoint;
                probe.Dispose();
                if (mode == null && Standalone)
                {
                    mode = TunnelMode.Standalone;
                }
                else if (mode == null && Cluster)
                {
                    mode = TunnelMode.Smart;
                }
            }

            var log = PassThru ? null : new CmdletLog();
            var options = new TunnelOptions(upstream, connection)
            {
                Mode = mode,
                ListenAddress = listen,
                ListenPort = ListenPort,
                PortOffset = PortOffset,
                AnnounceHost = AnnounceAddress,
                Name = Name,
                DrainTimeout = TimeSpan.FromSeconds(DrainTimeout),
                TopologyRefreshInterval = TimeSpan.FromSeconds(TopologyRefreshInterval),
                Log = (IRedisLog?)log ?? NullRedisLog.Instance,
                ClientCredential = ClientCredential == null ? null : new NetworkCredential((ClientCredential.UserName ?? string.Empty).Trim(), ClientCredential.Password),
                DenyCommands = DenyCommand ?? new string[0],
                MaxClients = MyInvocation.BoundParameters.ContainsKey(nameof(MaxClients)) ? MaxClients : (int?)null,
                ClientIdleTimeout = TimeSpan.FromSeconds(ClientIdleTimeout),
                ProtoMaxBulkLength = ProtoMaxBulkLength,
                ClientQueryBufferLimit = ClientQueryBufferLimit,
                TotalQueryBufferLimit = TotalQueryBufferLimit,
            };

            if (!IPAddress.IsLoopback(listen))
            {
                WriteWarning("The tunnel listens on " + ListenAddress + ", not on a loopback address: anyone who can reach it gets access to "
                    + upstream + " as user '" + connection.User + "'" + (ClientCredential == null ? " without a password." : " with the -ClientCredential password."));
            }

            WriteVerbose("Starting a tunnel to " + upstream + (connection.UseTls ? " over TLS" : string.Empty) + " as user '" + connection.User + "'.");
            RedisTunnel tunnel;
            try
            {
                tunnel = Await(RedisTunnel.StartAsync(options, CancelToken));
            }
            catch (Exception raw)
            {
                // Waiting on a failed task wraps its exception; the error record must show the real one.
                Exception ex = raw is AggregateException aggregate && aggregate.InnerExceptions.Count == 1 ? aggregate.InnerException! : raw;
                if (ex is TunnelException tunnelError)
                {
                    ThrowTerminatingError(new ErrorRecord(tunnelError, tunnelError.PortInUse ? "RedisTunnelPortInUse" : "RedisTunnelFailed",
                        ErrorCategory.ResourceUnavailable, ListenAddress));
                }

                if (ex is RedisCluster.Engine.Errors.RedisException || ex is OperationCanceledException)
                {
                    ThrowTerminatingError(ToErrorRecord(ex, upstream.ToString()));
                }

                throw;
            }

            TunnelRegistry.Add(tunnel);
            DrainLog(log);
            WriteObject(tunnel);
            if (PassThru)
            {
                return;
            }

            RunInForeground(tunnel, log!);
        }

        /// <summary>Blocks the pipeline thread, writing the tunnel's messages, until Ctrl+C or until the tunnel is stopped elsewhere.</summary>
        private void RunInForeground(RedisTunnel tunnel, CmdletLog log)
        {
            WriteVerbose("Tunnel " + tunnel.Name + " is running; press Ctrl+C to stop it.");
            while (!tunnel.WhenStopped().Wait(100))
            {
                if (CancelToken.IsCancellationRequested)
                {
                    // Ctrl+C: nothing may be written any more; stop and leave.
                    TunnelRegistry.StopAsync(tunnel).Wait(TimeSpan.FromSeconds(DrainTimeout + 5));
                    return;
                }

                DrainLog(log);
            }

            DrainLog(log);
            WriteVerbose("Tunnel " + tunnel.Name + " stopped: " + tunnel.Statistics + ".");
        }

        private IPAddress ParseListenAddress()
        {
            string text = ListenAddress.Trim();
            if (string.Equals(text, "localhost", StringComparison.OrdinalIgnoreCase))
            {
                return IPAddress.Loopback;
            }

            if (text == "*")
            {
                return IPAddress.Any;
            }

            if (!IPAddress.TryParse(text.TrimStart('[').TrimEnd(']'), out IPAddress? address))
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("-ListenAddress '" + ListenAddress + "' is not an IP address (for example 127.0.0.1, ::1 or 0.0.0.0)."),
                    "RedisTunnelInvalidListenAddress", ErrorCategory.InvalidArgument, ListenAddress));
            }

            return address!;
        }
    }
}
