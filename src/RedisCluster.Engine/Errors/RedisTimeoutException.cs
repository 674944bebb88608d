using System;

namespace RedisCluster.Engine.Errors
{
    /// <summary>A connect or a reply took longer than its configured timeout.</summary>
    public sealed class RedisTimeoutException : RedisConnectionException
    {
        public RedisTimeoutException(string endpoint, string message, Exception? inner = null)
            : base(endpoint, message, inner)
        {
        }
    }
}
