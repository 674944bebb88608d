namespace RedisCluster.Engine.Cluster
{
    /// <summary>MOVED: the slot has a new owner (update the slot map). ASK: one command goes elsewhere, preceded by ASKING.</summary>
    public enum RedirectKind
    {
        Moved,
        Ask,
    }
}
