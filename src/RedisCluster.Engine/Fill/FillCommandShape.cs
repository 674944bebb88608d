namespace RedisCluster.Engine.Fill
{
    /// <summary>How keys are written: one SET per key, or MSET of several keys that share a slot.</summary>
    public enum FillCommandShape
    {
        Set,
        MSet,
    }
}
