namespace RedisCluster.Engine
{
    /// <summary>Discards everything; the default when nobody listens.</summary>
    public sealed class NullRedisLog : IRedisLog
    {
        public static readonly NullRedisLog Instance = new NullRedisLog();

        private NullRedisLog()
        {
        }

        public override string ToString() => "(none)";

        public void Verbose(string message)
        {
        }

        public void Debug(string message)
        {
        }

        public void Warning(string message)
        {
        }
    }
}
