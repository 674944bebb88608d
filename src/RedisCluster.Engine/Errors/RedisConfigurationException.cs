using System;

namespace RedisCluster.Engine.Errors
{
    /// <summary>Settings that cannot work (unreadable certificate file, malformed endpoint...).</summary>
    public sealed class RedisConfigurationException : RedisException
    {
        public RedisConfigurationException(string message, Exception? inner = null)
            : base(message, inner)
        {
        }
    }
}
