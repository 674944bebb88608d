namespace RedisCluster.Engine.Connections
{
    /// <summary>Which protocol to negotiate. Auto asks for RESP3 and falls back to RESP2.</summary>
    public enum RedisProtocol
    {
        Auto = 0,
        Resp2 = 2,
        Resp3 = 3,
    }
}
