namespace RedisCluster.Engine.Administration
{
    /// <summary>A slot left open by a migration: one node marks it migrating to, or importing from, another. Immutable.</summary>
    public sealed class OpenSlot
    {
        public OpenSlot(int slot, string nodeId, string endpoint, OpenSlotState state, string otherNodeId, string? otherEndpoint)
        {
            Slot = slot;
            NodeId = nodeId;
            Endpoint = endpoint;
            State = state;
            OtherNodeId = otherNodeId;
            OtherEndpoint = otherEndpoint;
        }

        public int Slot { get; }

        /// <summary>The node that marks the slot.</summary>
        public string NodeId { get; }

        public string Endpoint { get; }

        public OpenSlotState State { get; }

        /// <summary>The node the slot migrates to (Migrating) or is imported from (Importing).</summary>
        public string OtherNodeId { get; }

        /// <summary>Where the other node is, when the cluster knows it.</summary>
        public string? OtherEndpoint { get; }

        public override string ToString()
            => "slot " + Slot + " " + (State == OpenSlotState.Migrating ? "migrating from " + Endpoint + " to " : "importing into " + Endpoint + " from ") + (OtherEndpoint ?? OtherNodeId);
    }
}
