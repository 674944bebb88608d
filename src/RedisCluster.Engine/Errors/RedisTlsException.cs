using System;

namespace RedisCluster.Engine.Errors
{
    /// <summary>The TLS handshake failed or the server's certificate was not trusted.</summary>
    public sealed class RedisTlsException : RedisConnectionException
    {
        public RedisTlsException(string endpoint, string message, Exception? inner = null)
            : base(endpoint, message, inner)
        {
        }
    }
}
