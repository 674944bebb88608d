using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Administration
{
    /// <summary>
    /// One connection to one node for administration: commands that fail throw with the node named,
    /// and the replies administration reads (CLUSTER INFO, CLUSTER NODES, INFO) come back parsed.
    /// </summary>
    public sealed class NodeSession : IDisposable
    {
        private readonly RedisConnection _connection;

        private NodeSession(RedisConnection connection)
        {
            _connection = connection;
        }

        public RedisEndpoint Endpoint => _connection.Endpoint;

        public ServerHello Hello => _connection.Hello;

        internal RedisConnection Connection => _connection;

        /// <summary>Connects; any failure becomes a <see cref="AdministrationFailure.NodeUnreachable"/> naming the node.</summary>
        public static async Task<NodeSession> OpenAsync(RedisEndpoint endpoint, TransportConnector connector, CancellationToken cancellationToken)
        {
            try
            {
                return new NodeSession(await RedisConnection.ConnectAsync(endpoint, connector, cancellationToken).ConfigureAwait(false));
            }
            catch (RedisConnectionException ex)
            {
                throw new AdministrationException(AdministrationFailure.NodeUnreachable, endpoint.ToString(),
                    "Node " + endpoint + " cannot be reached: " + ex.Message, ex);
            }
        }

        /// <summary>Runs a command and returns its reply; an error reply throws, naming the node and the command.</summary>
        public async Task<RespValue> RunAsync(CancellationToken cancellationToken, params string[] arguments)
        {
            RespValue reply = await TryRunAsync(cancellationToken, arguments).ConfigureAwait(false);
            if (reply.IsError)
            {
                throw Failed(arguments, reply);
            }

            return reply;
        }

        private AdministrationException Failed(string[] arguments, RespValue reply)
            => new AdministrationException(AdministrationFailure.CommandFailed, Endpoint.ToString(),
                string.Join(" ", arguments) + " failed on " + Endpoint + ": " + reply.GetString(),
                new RedisServerErrorException(reply.GetString() ?? string.Empty, arguments[0]));

        /// <summary>
        /// Sends the commands in one pipeline (one round trip) and returns their replies; the first error reply
        /// throws, naming the node and the command (the commands after it have run all the same).
        /// </summary>
        public async Task<RespValue[]> RunPipelinedAsync(IReadOnlyList<string[]> commands, CancellationToken cancellationToken)
        {
            if (commands.Count == 0)
            {
                return new RespValue[0];
            }

            var batch = new List<RedisCommand>(commands.Count);
            foreach (string[] arguments in commands)
            {
                batch.Add(RedisCommand.Create(arguments));
            }

            RedisReply[] replies = await _connection.ExecuteBatchAsync(batch, cancellationToken).ConfigureAwait(false);
            var values = new RespValue[replies.Length];
            for (int i = 0; i < replies.Length; i++)
            {
                if (replies[i].Value.IsError)
                {
                    throw Failed(commands[i], replies[i].Value);
                }

                values[i] = replies[i].Value;
            }

            return values;
        }

        /// <summary>Runs a command and returns its reply, error replies included.</summary>
        public Task<RespValue> TryRunAsync(CancellationToken cancellationToken, params string[] arguments)
            => _connection.ExecuteAsync(RedisCommand.Create(arguments), cancellationToken);

        public async Task<string> RunTextAsync(CancellationToken cancellationToken, params string[] arguments)
            => (await RunAsync(cancellationToken, arguments).ConfigureAwait(false)).GetString() ?? string.Empty;

        public async Task<Dictionary<string, string>> ClusterInfoAsync(CancellationToken cancellationToken)
            => ConnectionHandshake.ParseInfo(await RunTextAsync(cancellationToken, "CLUSTER", "INFO").ConfigureAwait(false));

        public async Task<Dictionary<string, string>> InfoAsync(string section, CancellationToken cancellationToken)
            => ConnectionHandshake.ParseInfo(await RunTextAsync(cancellationToken, "INFO", section).ConfigureAwait(false));

        /// <summary>Whether the server runs with cluster-enabled yes (INFO cluster works on every server; CLUSTER commands do not).</summary>
        public async Task<bool> IsClusterEnabledAsync(CancellationToken cancellationToken)
            => (await InfoAsync("cluster", cancellationToken).ConfigureAwait(false)).TryGetValue("cluster_enabled", out string? enabled) && enabled == "1";

        public Task<string> ClusterNodesTextAsync(CancellationToken cancellationToken) => RunTextAsync(cancellationToken, "CLUSTER", "NODES");

        /// <summary>The cluster as this node sees it (CLUSTER NODES: flags and the node's own line included).</summary>
        public async Task<IReadOnlyList<ClusterNode>> ClusterNodesAsync(CancellationToken cancellationToken)
            => NodesReplyParser.Parse(await ClusterNodesTextAsync(cancellationToken).ConfigureAwait(false), _connection.Options.UseTls, Endpoint);

        public Task<string> MyIdAsync(CancellationToken cancellationToken) => RunTextAsync(cancellationToken, "CLUSTER", "MYID");

        public override string ToString() => Endpoint.ToString();

        public void Dispose() => _connection.Dispose();
    }
}
