using System;

namespace RedisCluster.Engine.Errors
{
    /// <summary>The server refused the credentials. The message never contains the password.</summary>
    public sealed class RedisAuthenticationException : RedisConnectionException
    {
        public RedisAuthenticationException(string endpoint, string message, Exception? inner = null)
            : base(endpoint, message, inner)
        {
        }
    }
}
