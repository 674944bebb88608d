using System;

namespace RedisCluster.Engine.Errors
{
    /// <summary>
    /// The connection was broken (or could not be opened) before the request's bytes were handed to it: the
    /// server certainly did not run the command, so it may be sent again elsewhere. Any other connection
    /// failure leaves it unknown whether the command ran.
    /// </summary>
    public sealed class RedisNotSentException : RedisConnectionException
    {
        public RedisNotSentException(string endpoint, string message, Exception? inner = null)
            : base(endpoint, message, inner)
        {
        }
    }
}
