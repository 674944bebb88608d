using System;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Tunnel.Hosting;

namespace RedisCluster.Engine.Tunnel.Smart
{
    /// <summary>
    /// Runs a command on a connection of a client's own to the primary of a slot, retrying a few times with a fresh
    /// topology only when it certainly did not run: the slot is moving, the cluster is failing over or loading, or the
    /// command never left. Once it went out and the connection broke, it may have run, so it is not sent again.
    /// </summary>
    internal static class SmartOwnerAttempts
    {
        private const int Attempts = 3;

        /// <param name="open">The client's connection to a primary (the one it has, or a new one).</param>
        /// <param name="close">Drops the client's connection to a primary that failed.</param>
        public static async Task<RespValue> RunAsync(SmartBackend backend, int slot, Func<RedisEndpoint, Task<RedisConnection>> open,
            Action<RedisEndpoint> close, Func<RedisConnection, Task<RespValue>> run, CancellationToken cancellationToken)
        {
            RespValue? last = null;
            for (int attempt = 0; attempt < Attempts; attempt++)
            {
                RedisEndpoint? owner = backend.OwnerOf(slot);
                if (owner == null)
                {
                    await backend.Cluster.RefreshTopologyAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }

                RedisConnection connection;
                try
                {
                    connection = await open(owner).ConfigureAwait(false);
                }
                catch (RedisException ex)
                {
                    // Nothing was sent: another attempt may find the slot's new owner.
                    close(owner);
                    last = RespValue.Error("ERR tunnel: " + ErrorLines.OneLine(ex.Message));
                    continue;
                }

                try
                {
                    last = await run(connection).ConfigureAwait(false);
                }
                catch (RedisException ex)
                {
                    close(owner);
                    if (ex is RedisNotSentException)
                    {
                        last = RespValue.Error("ERR tunnel: " + ErrorLines.OneLine(ex.Message));
                        continue;
                    }

                    // The command went out and the connection broke: it may have run (a BLMOVE may have
                    // moved its element), so it is not sent again; the client hears why.
                    return RespValue.Error("ERR tunnel: the connection to " + owner + " broke while the command was in flight; it may have run, so it was not sent again ("
                        + ErrorLines.OneLine(ex.Message) + ")");
                }

                if (ErrorReplyClassifier.Classify(last).IsSlotMoving() || ErrorReplyClassifier.Classify(last) is ErrorReplyKind.ClusterDown or ErrorReplyKind.Loading)
                {
                    await backend.Cluster.RefreshTopologyAsync(cancellationToken).ConfigureAwait(false);
                    await Task.Delay(100 * (attempt + 1), cancellationToken).ConfigureAwait(false);
                    continue;
                }

                return last;
            }

            return last ?? RespValue.Error("CLUSTERDOWN Hash slot not served");
        }
    }
}
