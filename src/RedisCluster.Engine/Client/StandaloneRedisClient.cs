using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;

namespace RedisCluster.Engine.Client
{
    /// <summary>One server, a pool of pipelined connections to it.</summary>
    public sealed class StandaloneRedisClient : RedisClient
    {
        private readonly ConnectionPool _pool;

        internal StandaloneRedisClient(RedisClientOptions options, RedisEndpoint endpoint, ServerHello hello, ConnectionPool pool)
            : base(options, endpoint, hello)
        {
            _pool = pool;
            _pool.Reconnecting += (ep, why) => options.Log.Verbose("Reconnecting to " + ep + " after: " + why.Message);
        }

        public override bool IsCluster => false;

        public override IReadOnlyList<RedisEndpoint> GetPrimaryEndpoints() => new[] { Endpoint };

        public override Task<IReadOnlyList<RedisReply>> ExecuteOnNodeAsync(RedisEndpoint node, IReadOnlyList<RedisCommand> commands, CancellationToken cancellationToken = default)
            => ExecuteBatchAsync(commands, cancellationToken);

        internal override Task<RedisConnection> OpenDedicatedAsync(RedisEndpoint node, CancellationToken cancellationToken)
        {
            ThrowIfDisposed();
            return _pool.OpenDedicatedAsync(cancellationToken);
        }

        public override async Task<IReadOnlyList<RedisReply>> ExecuteBatchAsync(IReadOnlyList<RedisCommand> commands, CancellationToken cancellationToken = default)
        {
            ThrowIfDisposed();
            if (commands.Count == 0)
            {
                return Array.Empty<RedisReply>();
            }

            // Always the same connection: state the caller sets with a command (SELECT, CLIENT SETNAME,
            // MULTI over several calls) must hold for the next call, as it does in redis-cli. Pipelining
            // keeps one connection fast; the pool replaces it if it breaks.
            RedisConnection connection = await _pool.GetAsync(0, cancellationToken).ConfigureAwait(false);
            return await connection.ExecuteBatchAsync(commands, cancellationToken).ConfigureAwait(false);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _pool.Dispose();
            }
        }
    }
}
