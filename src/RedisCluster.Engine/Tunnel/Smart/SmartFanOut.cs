using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Tunnel.Smart
{
    /// <summary>One command on every primary at once, for the answers the smart tunnel puts together from all of them.</summary>
    internal static class SmartFanOut
    {
        /// <summary>Each primary's reply, in the order of <see cref="Routing.ClusterRedisClient.GetPrimaryEndpoints"/>.</summary>
        /// <exception cref="Errors.RedisException">A primary could not be reached.</exception>
        public static async Task<IReadOnlyList<RespValue>> OnEveryPrimaryAsync(SmartBackend backend, RedisCommand command, CancellationToken cancellationToken)
        {
            IReadOnlyList<RedisEndpoint> primaries = backend.Cluster.GetPrimaryEndpoints();
            IReadOnlyList<RedisReply>[] replies = await Task.WhenAll(primaries.Select(
                primary => backend.Cluster.ExecuteOnNodeAsync(primary, new[] { command }, cancellationToken))).ConfigureAwait(false);
            return replies.Select(r => r[0].Value).ToList();
        }
    }
}
