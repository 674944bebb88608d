using System;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Tunnel
{
    /// <summary>
    /// A smart-mode client's own upstream connection, for what the shared connections cannot carry for
    /// one client: a blocking command waits on it, so nobody else's replies wait behind it.
    /// </summary>
    internal sealed class SmartPin : IDisposable
    {
        private const int Attempts = 3;

        private readonly TunnelContext _context;
        private readonly SmartBackend _backend;
        private RedisConnection? _connection;

        public SmartPin(TunnelContext context, SmartBackend backend)
        {
            _context = context;
            _backend = backend;
        }

        /// <summary>
        /// Runs <paramref name="run"/> on a connection to the primary of <paramref name="slot"/>, retrying a
        /// few times with a fresh topology when the slot is moving, the cluster is failing over, or the
        /// connection breaks.
        /// </summary>
        public async Task<RespValue> RunOnOwnerAsync(int slot, Func<RedisConnection, Task<RespValue>> run, CancellationToken cancellationToken)
        {
            RespValue? last = null;
            for (int attempt = 0; attempt < Attempts; attempt++)
            {
                RedisEndpoint? owner = _backend.OwnerOf(slot);
                if (owner == null)
                {
                    await _backend.Cluster.RefreshTopologyAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }

                try
                {
                    RedisConnection connection = await OpenAsync(owner, cancellationToken).ConfigureAwait(false);
                    last = await run(connection).ConfigureAwait(false);
                }
                catch (RedisException ex)
                {
                    Close();
                    last = RespValue.Error("ERR tunnel: " + SmartSession.OneLine(ex.Message));
                    continue;
                }

                if (IsSlotMoving(last) || last.ErrorPrefix == "CLUSTERDOWN")
                {
                    await _backend.Cluster.RefreshTopologyAsync(cancellationToken).ConfigureAwait(false);
                    await Task.Delay(100 * (attempt + 1), cancellationToken).ConfigureAwait(false);
                    continue;
                }

                return last;
            }

            return last ?? RespValue.Error("CLUSTERDOWN Hash slot not served");
        }

        /// <summary>Closes the connection (a blocked client left, or the session ends).</summary>
        public void Close()
        {
            RedisConnection? connection = _connection;
            _connection = null;
            QuietCleanup.Dispose(connection);
        }

        public void Dispose() => Close();

        private static bool IsSlotMoving(RespValue reply)
        {
            string? prefix = reply.ErrorPrefix;
            return prefix == "MOVED" || prefix == "ASK" || prefix == "TRYAGAIN";
        }

        /// <summary>A connection to the slot's primary: the current one while it still fits, else a new one.</summary>
        private async Task<RedisConnection> OpenAsync(RedisEndpoint owner, CancellationToken cancellationToken)
        {
            RedisConnection? current = _connection;
            if (current != null && current.IsConnected && current.Endpoint.Equals(owner))
            {
                return current;
            }

            Close();
            RedisConnection opened = await RedisConnection.ConnectAsync(owner, _backend.Connector, cancellationToken).ConfigureAwait(false);
            _connection = opened;
            _context.Statistics.UpstreamOpened();
            return opened;
        }
    }
}
