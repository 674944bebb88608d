using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;

namespace RedisCluster.Engine.Client
{
    /// <summary>
    /// What the rest of the module talks to: one server or a whole cluster behind the same calls.
    /// Replies come back in the order of the commands, whatever node served them.
    /// </summary>
    public abstract class RedisClient : IDisposable
    {
        private int _disposed;
        private Task<Cluster.CommandTable>? _commandTable;

        protected RedisClient(RedisClientOptions options, RedisEndpoint endpoint, ServerHello hello)
        {
            Options = options;
            Endpoint = endpoint;
            Hello = hello;
            Connected = DateTimeOffset.Now;
        }

        public RedisClientOptions Options { get; }

        /// <summary>The endpoint the client was opened with (the seed, in a cluster).</summary>
        public RedisEndpoint Endpoint { get; }

        public ServerHello Hello { get; }

        public DateTimeOffset Connected { get; }

        public abstract bool IsCluster { get; }

        public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

        public string User => Options.Connection.User;

        public bool Tls => Options.Connection.UseTls;

        public int Database => Options.Connection.Database;

        public Task<RedisReply> ExecuteAsync(RedisCommand command, CancellationToken cancellationToken = default)
            => ExecuteSingleAsync(command, cancellationToken);

        /// <summary>The server's COMMAND metadata, read once and kept (for completion, and for routing in a cluster).</summary>
        public virtual Task<Cluster.CommandTable> GetCommandTableAsync(CancellationToken cancellationToken = default)
        {
            Task<Cluster.CommandTable>? table = _commandTable;
            if (table == null || table.IsFaulted || table.IsCanceled)
            {
                table = LoadCommandTableAsync(cancellationToken);
                _commandTable = table;
            }

            return table;
        }

        private async Task<Cluster.CommandTable> LoadCommandTableAsync(CancellationToken cancellationToken)
        {
            RedisReply reply = await ExecuteAsync(RedisCommand.Create("COMMAND"), cancellationToken).ConfigureAwait(false);
            if (reply.Value.IsError)
            {
                throw new RedisServerErrorException(reply.Value.GetString() ?? "COMMAND failed", "COMMAND");
            }

            return Cluster.CommandTable.Parse(reply.Value);
        }

        /// <summary>The primaries to visit for whole-keyspace work (SCAN, DBSIZE, fill): one entry for a standalone server.</summary>
        public abstract IReadOnlyList<RedisEndpoint> GetPrimaryEndpoints();

        /// <summary>Runs commands on one node as they are, without routing (per-node SCAN, DBSIZE, CLIENT REPLY...).</summary>
        public abstract Task<IReadOnlyList<RedisReply>> ExecuteOnNodeAsync(RedisEndpoint node, IReadOnlyList<RedisCommand> commands, CancellationToken cancellationToken = default);

        /// <summary>
        /// Opens a connection to <paramref name="node"/> (a primary) that no other call shares, for per-connection state
        /// (WATCH, MULTI); the caller closes it.
        /// </summary>
        internal abstract Task<RedisConnection> OpenDedicatedAsync(RedisEndpoint node, CancellationToken cancellationToken);

        public abstract Task<IReadOnlyList<RedisReply>> ExecuteBatchAsync(IReadOnlyList<RedisCommand> commands, CancellationToken cancellationToken = default);

        protected virtual async Task<RedisReply> ExecuteSingleAsync(RedisCommand command, CancellationToken cancellationToken)
        {
            IReadOnlyList<RedisReply> replies = await ExecuteBatchAsync(new[] { command }, cancellationToken).ConfigureAwait(false);
            return replies[0];
        }

        public override string ToString() => Endpoint + (IsCluster ? " (cluster)" : string.Empty);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Dispose(true);
            }

            GC.SuppressFinalize(this);
        }

        protected abstract void Dispose(bool disposing);

        protected void ThrowIfDisposed()
        {
            if (IsDisposed)
            {
                throw new ObjectDisposedException("RedisClient", "This connection to " + Endpoint + " was closed (Disconnect-Redis); connect again.");
            }
        }
    }
}
