using System;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Cluster
{
    /// <summary>Reads the topology from one node: CLUSTER SHARDS where the server has it, CLUSTER SLOTS otherwise.</summary>
    public static class ClusterTopologyLoader
    {
        public static async Task<ClusterTopology> LoadAsync(RedisConnection connection, CancellationToken cancellationToken = default)
        {
            if (connection == null)
            {
                throw new ArgumentNullException(nameof(connection));
            }

            bool useTls = connection.Options.UseTls;
            RespValue shards = await connection.ExecuteAsync(RedisCommand.Create("CLUSTER", "SHARDS"), cancellationToken).ConfigureAwait(false);
            if (!shards.IsError)
            {
                return ClusterTopology.FromShards(shards, useTls, connection.Endpoint);
            }

            ThrowIfNotClustered(shards, connection);

            // Servers before 7.0 answer "unknown subcommand"; an ACL may also allow SLOTS but not SHARDS.
            RespValue slots = await connection.ExecuteAsync(RedisCommand.Create("CLUSTER", "SLOTS"), cancellationToken).ConfigureAwait(false);
            if (slots.IsError)
            {
                ThrowIfNotClustered(slots, connection);
                throw new RedisServerErrorException(
                    "CLUSTER SHARDS and CLUSTER SLOTS both failed on " + connection.Endpoint + ": " + shards.GetString() + " / " + slots.GetString(),
                    "CLUSTER SLOTS");
            }

            return ClusterTopology.FromSlots(slots, useTls, connection.Endpoint);
        }

        private static void ThrowIfNotClustered(RespValue error, RedisConnection connection)
        {
            string message = error.GetString() ?? string.Empty;
            if (message.IndexOf("cluster support disabled", StringComparison.OrdinalIgnoreCase) >= 0)
            {
                throw new RedisException(
                    connection.Endpoint + " is not in cluster mode (cluster-enabled no): connect to it as a standalone server, or give the address of a cluster node. Server said: " + message);
            }
        }
    }
}
