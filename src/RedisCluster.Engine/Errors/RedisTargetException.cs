namespace RedisCluster.Engine.Errors
{
    /// <summary>The target cannot do what was asked (for example a fill pointed at a read-only replica).</summary>
    public sealed class RedisTargetException : RedisException
    {
        public RedisTargetException(string message)
            : base(message)
        {
        }
    }
}
