using System;

namespace RedisCluster.Engine.Errors
{
    /// <summary>A connection could not be opened, or broke; requests on it did not complete.</summary>
    public class RedisConnectionException : RedisException
    {
        public RedisConnectionException(string endpoint, string message, Exception? inner = null)
            : base(message, inner)
        {
            Endpoint = endpoint;
        }

        public string Endpoint { get; }
    }
}
