namespace RedisCluster.Engine.Administration
{
    /// <summary>The steps a slot move spends its time in (for the verbose profile of a move).</summary>
    internal enum SlotMovePhase
    {
        /// <summary>SETSLOT IMPORTING and MIGRATING.</summary>
        Open,

        /// <summary>CLUSTER GETKEYSINSLOT.</summary>
        ListKeys,

        /// <summary>MIGRATE.</summary>
        Migrate,

        /// <summary>SETSLOT NODE on every primary.</summary>
        Assign,
    }
}
