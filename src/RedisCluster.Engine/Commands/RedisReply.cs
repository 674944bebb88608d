using System;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Commands
{
    /// <summary>A reply together with where it came from and how long it took.</summary>
    public sealed class RedisReply
    {
        public RedisReply(RedisCommand command, RespValue value, RedisEndpoint endpoint, TimeSpan elapsed, int? slot = null)
        {
            Command = command;
            Value = value;
            Endpoint = endpoint;
            Elapsed = elapsed;
            Slot = slot;
        }

        public RedisCommand Command { get; }

        public RespValue Value { get; }

        public RedisEndpoint Endpoint { get; }

        public TimeSpan Elapsed { get; }

        /// <summary>The hash slot the command was routed by, in a cluster; null otherwise.</summary>
        public int? Slot { get; }
    }
}
