namespace RedisCluster.Engine.Administration
{
    /// <summary>Which side of a slot migration a node is on (CLUSTER SETSLOT MIGRATING / IMPORTING).</summary>
    public enum OpenSlotState
    {
        Migrating,
        Importing,
    }
}
