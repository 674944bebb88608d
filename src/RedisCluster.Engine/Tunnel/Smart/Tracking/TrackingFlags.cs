using System;

namespace RedisCluster.Engine.Tunnel.Smart.Tracking
{
    /// <summary>The options of CLIENT TRACKING ON that change what is tracked and who is told.</summary>
    [Flags]
    internal enum TrackingFlags
    {
        None = 0,

        /// <summary>Every key under the client's prefixes, read or not.</summary>
        Bcast = 1,

        /// <summary>Only what is read right after CLIENT CACHING YES.</summary>
        OptIn = 2,

        /// <summary>Everything read except right after CLIENT CACHING NO.</summary>
        OptOut = 4,

        /// <summary>Not told about its own writes.</summary>
        NoLoop = 8,
    }
}
