using System;
using RedisCluster.Engine.Errors;

namespace RedisCluster.Engine.Tunnel
{
    /// <summary>A tunnel could not start or serve (for example a local port that is already taken).</summary>
    public sealed class TunnelException : RedisException
    {
        public TunnelException(string message, bool portInUse = false, Exception? inner = null)
            : base(message, inner)
        {
            PortInUse = portInUse;
        }

        /// <summary>True when a listener could not bind because its local port is taken.</summary>
        public bool PortInUse { get; }
    }
}
