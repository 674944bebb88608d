namespace RedisCluster.Engine.Protocol
{
    /// <summary>The RESP2 and RESP3 value types, named after the wire type they were read from.</summary>
    public enum RespType : byte
    {
        SimpleString,
        Error,
        Integer,
        BulkString,
        Array,
        Null,
        Boolean,
        Double,
        BigNumber,
        BulkError,
        VerbatimString,
        Map,
        Set,
        Attribute,
        Push,
    }
}
