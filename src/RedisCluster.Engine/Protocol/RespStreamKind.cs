namespace RedisCluster.Engine.Protocol
{
    /// <summary>Which side of a connection a <see cref="RespStreamScanner"/> reads, which decides what it accepts.</summary>
    internal enum RespStreamKind
    {
        /// <summary>A server's replies and pushes: every RESP2 and RESP3 type.</summary>
        Replies,

        /// <summary>
        /// A client's commands as a server reads them: arrays of bulk strings only, faults in Redis's own words
        /// (inline commands are the caller's, through <see cref="CommandReader"/>).
        /// </summary>
        Commands,
    }
}
