using System.Globalization;
using RedisCluster.Engine.Connections;

namespace RedisCluster.Engine.Client
{
    /// <summary>Client-level settings on top of the per-connection ones.</summary>
    public sealed class RedisClientOptions
    {
        public RedisClientOptions(ConnectionOptions connection)
        {
            Connection = connection;
        }

        public ConnectionOptions Connection { get; }

        public RedisClientMode Mode { get; set; } = RedisClientMode.Auto;

        /// <summary>Pipelined connections per node.</summary>
        public int PoolSize { get; set; } = 2;

        /// <summary>In a cluster, serve read-only commands from replicas (READONLY).</summary>
        public bool ReadFromReplica { get; set; }

        /// <summary>How long a cluster command keeps retrying through redirects, TRYAGAIN, CLUSTERDOWN and failover.</summary>
        public System.TimeSpan RetryTimeout { get; set; } = System.TimeSpan.FromSeconds(20);

        /// <summary>
        /// In a cluster, the command timeout of the client's own topology refreshes (CLUSTER SHARDS)
        /// when it differs from the connection's: a relay whose application commands have none must still not
        /// wait forever for a hung node to describe the cluster. Null: the connection's.
        /// </summary>
        public System.TimeSpan? TopologyTimeout { get; set; }

        public IRedisLog Log { get; set; } = NullRedisLog.Instance;

        public RedisClientOptions Clone() => (RedisClientOptions)MemberwiseClone();

        /// <summary>A one-line summary: "auto, pool 2, retry 20 s, user alice (password), no TLS, database 0, RESP auto".</summary>
        public override string ToString()
            => Mode.ToString().ToLowerInvariant() + ", pool " + PoolSize.ToString(CultureInfo.InvariantCulture)
               + (ReadFromReplica ? ", reads from replicas" : string.Empty)
               + ", retry " + RetryTimeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s, " + Connection;
    }
}
