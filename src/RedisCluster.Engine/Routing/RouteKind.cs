namespace RedisCluster.Engine.Routing
{
    /// <summary>Where one command goes, as <see cref="CommandRoute"/> decides it.</summary>
    internal enum RouteKind
    {
        /// <summary>All its keys share one slot: the slot's owner runs it as it is.</summary>
        SingleSlot,

        /// <summary>Keys in several slots of a command that may be split: one command per slot, replies combined.</summary>
        SplitBySlot,

        /// <summary>Keys in several slots of a command that may not be split: the first key's node refuses it (CROSSSLOT), explained.</summary>
        CrossSlot,

        /// <summary>A keyless command whose request policy sends it to every primary (all_shards) or node (all_nodes), replies combined.</summary>
        FanOut,

        /// <summary>SCAN: the node that the cluster cursor names.</summary>
        Scan,

        /// <summary>No keys (or a command the server does not know): the default primary runs it.</summary>
        Keyless,
    }
}
