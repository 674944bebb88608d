using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Security;
using RedisCluster.Engine;
using RedisCluster.Engine.Client;
using RedisCluster.Engine.Connections;
using RedisCluster.PowerShell.Session;

namespace RedisCluster.PowerShell.Commands
{
    /// <summary>
    /// The connection parameters shared by every cmdlet that can open its own connection
    /// (Connect-Redis, and the one-off "Endpoint" parameter set of the others).
    /// </summary>
    public abstract class RedisConnectionCmdlet : RedisCmdlet, IConnectionParameters
    {
        protected const string EndpointSet = "Endpoint";
        protected const string ConnectionSet = "Connection";

        /// <summary>host:port of the server, or of any cluster node (more than one: tried in turn).</summary>
        [Parameter(ParameterSetName = EndpointSet, ValueFromPipelineByPropertyName = true)]
        [Alias("ComputerName", "Server", "Address")]
        [ArgumentCompleter(typeof(Completion.EndpointCompleter))]
        [ValidateNotNullOrEmpty]
        public string[] Endpoint { get; set; } = { "localhost:6379" };

        [Parameter(ParameterSetName = EndpointSet)]
        [Credential]
        public PSCredential? Credential { get; set; }

        [Parameter(ParameterSetName = EndpointSet)]
        public SwitchParameter Tls { get; set; }

        [Parameter(ParameterSetName = EndpointSet)]
        [ValidateNotNullOrEmpty]
        public string? CaCertificatePath { get; set; }

        [Parameter(ParameterSetName = EndpointSet)]
        [ValidateNotNullOrEmpty]
        public string? ClientCertificatePath { get; set; }

        [Parameter(ParameterSetName = EndpointSet)]
        [ValidateNotNullOrEmpty]
        public string? ClientKeyPath { get; set; }

        [Parameter(ParameterSetName = EndpointSet)]
        public SecureString? ClientCertificatePassword { get; set; }

        [Parameter(ParameterSetName = EndpointSet)]
        public SwitchParameter SkipCertificateCheck { get; set; }

        /// <summary>The name the server certificate must carry, when it differs from the host connected to.</summary>
        [Parameter(ParameterSetName = EndpointSet)]
        [ValidateNotNullOrEmpty]
        public string? TlsServerName { get; set; }

        [Parameter(ParameterSetName = EndpointSet)]
        [ValidateRange(0, 1000)]
        public int Database { get; set; }

        /// <summary>Seconds to wait for the TCP connection and the TLS handshake.</summary>
        [Parameter(ParameterSetName = EndpointSet)]
        [ValidateRange(1, 3600)]
        public int ConnectTimeout { get; set; } = 10;

        /// <summary>Seconds to wait for a reply before the connection is declared hung (0: no limit).</summary>
        [Parameter(ParameterSetName = EndpointSet)]
        [ValidateRange(0, 86400)]
        public int CommandTimeout { get; set; } = 30;

        [Parameter(ParameterSetName = EndpointSet)]
        public RedisProtocol Protocol { get; set; } = RedisProtocol.Auto;

        [Parameter(ParameterSetName = EndpointSet)]
        [ValidateRange(1, 64)]
        public int PoolSize { get; set; } = 2;

        /// <summary>Treat the target as a cluster even if it does not say so.</summary>
        [Parameter(ParameterSetName = EndpointSet)]
        public SwitchParameter Cluster { get; set; }

        /// <summary>Treat the target as one server even if it is a cluster node (like redis-cli without -c).</summary>
        [Parameter(ParameterSetName = EndpointSet)]
        public SwitchParameter Standalone { get; set; }

        [Parameter(ParameterSetName = EndpointSet)]
        public SwitchParameter ReadFromReplica { get; set; }

        /// <summary>Opens a client from the parameters above.</summary>
        /// <param name="directToNode">Address the endpoint as one server even if it is a cluster node.</param>
        protected RedisClient OpenClient(bool directToNode = false)
        {
            if (Cluster && Standalone)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("-Cluster and -Standalone cannot be used together."),
                    "RedisConflictingMode", ErrorCategory.InvalidArgument, null));
            }

            ConnectionOptions connection = ConnectionParameters.ToOptions(this, ResolvePath);
            connection.Database = Database;
            connection.CommandTimeout = TimeSpan.FromSeconds(CommandTimeout);
            connection.Protocol = Protocol;

            var options = new RedisClientOptions(connection)
            {
                Mode = Cluster ? RedisClientMode.Cluster : Standalone || directToNode ? RedisClientMode.Standalone : RedisClientMode.Auto,
                PoolSize = PoolSize,
                ReadFromReplica = ReadFromReplica,
                Log = new CmdletLog(),
            };

            var seeds = new List<RedisEndpoint>();
            foreach (string text in Endpoint)
            {
                seeds.Add(Terminating(() => RedisEndpoint.Parse(text), text));
            }

            WarnIfCertificateUnchecked(connection, string.Join(", ", seeds));
            WriteVerbose("Connecting to " + string.Join(", ", seeds) + (connection.UseTls ? " over TLS" : string.Empty)
                + " as user '" + connection.User + "'.");
            RedisClient client;
            try
            {
                client = Terminating(() => Await(RedisClientFactory.ConnectAsync(seeds, options, CancelToken)), string.Join(",", Endpoint));
            }
            finally
            {
                DrainLog((CmdletLog)options.Log);
            }

            WriteVerbose("Connected to " + client.Endpoint + ": " + client.Hello.Server + " " + client.Hello.Version + ", "
                + client.Hello.Mode + ", RESP" + client.Hello.Protocol + ".");
            return client;
        }

        /// <summary>Warns, once for the connection object being made, when its server certificate is not checked.</summary>
        protected void WarnIfCertificateUnchecked(ConnectionOptions connection, string target)
        {
            string? warning = connection.CertificateCheckWarning(target);
            if (warning != null)
            {
                WriteWarning(warning);
            }
        }

        private string? ResolvePath(string? path)
            => path == null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);

        /// <summary>The client to use: the one given, one opened from the endpoint parameters, or the session default.</summary>
        protected RedisClient ResolveClient(RedisClient? given, out bool owned)
        {
            owned = false;
            if (given != null)
            {
                return given;
            }

            if (ParameterSetName == EndpointSet && MyInvocation.BoundParameters.Count > 0 && HasEndpointParameters())
            {
                owned = true;
                return OpenClient();
            }

            RedisClient? current = RedisSessionState.GetDefault();
            if (current != null)
            {
                return current;
            }

            // No session yet: connect to the default endpoint, like redis-cli does, and keep it as the default.
            RedisClient client = OpenClient();
            RedisSessionState.SetDefault(client);
            return client;
        }

        private bool HasEndpointParameters()
        {
            foreach (string name in new[] { "Endpoint", "Credential", "Tls", "CaCertificatePath", "ClientCertificatePath", "SkipCertificateCheck", "Database", "Cluster", "Standalone", "Protocol" })
            {
                if (MyInvocation.BoundParameters.ContainsKey(name))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
