using System;

namespace RedisCluster.Engine.Errors
{
    /// <summary>Base of the engine's own failures (not server error replies, which are values).</summary>
    public class RedisException : Exception
    {
        public RedisException(string message)
            : base(message)
        {
        }

        public RedisException(string message, Exception? inner)
            : base(message, inner)
        {
        }
    }
}
