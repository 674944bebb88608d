namespace RedisCluster.Engine.Errors
{
    /// <summary>
    /// Work that must run in one slot of a cluster (a transaction, a script) names keys of several slots; raised
    /// before anything is sent, with the CROSSSLOT explanation routing gives (each key's slot and node, hash tags).
    /// </summary>
    public sealed class RedisCrossSlotException : RedisException
    {
        public RedisCrossSlotException(string message)
            : base(message)
        {
        }
    }
}
