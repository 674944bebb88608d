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

        public IRedisLog Log { get; set; } = NullRedisLog.Instance;

        public RedisClientOptions Clone() => (RedisClientOptions)MemberwiseClone();
    }
}
