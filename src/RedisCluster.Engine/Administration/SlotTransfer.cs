using RedisCluster.Engine.Cluster;

namespace RedisCluster.Engine.Administration
{
    /// <summary>One slot to move, from the primary that owns it to another. Immutable.</summary>
    internal sealed class SlotTransfer
    {
        public SlotTransfer(int slot, ClusterNode source, ClusterNode destination)
        {
            Slot = slot;
            Source = source;
            Destination = destination;
        }

        public int Slot { get; }

        public ClusterNode Source { get; }

        public ClusterNode Destination { get; }
    }
}
