using System.Threading;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Connections;

namespace RedisCluster.Engine.Routing
{
    /// <summary>
    /// Slot to primary endpoint, one array entry per slot for O(1) lookup. Rebuilt from each topology
    /// and patched in place by MOVED replies between refreshes.
    /// </summary>
    internal sealed class SlotMap
    {
        private RedisEndpoint?[] _owners = new RedisEndpoint?[HashSlot.Count];

        public RedisEndpoint? this[int slot] => Volatile.Read(ref _owners)[slot];

        public void Load(ClusterTopology topology)
        {
            var owners = new RedisEndpoint?[HashSlot.Count];
            for (int slot = 0; slot < owners.Length; slot++)
            {
                owners[slot] = topology.GetPrimaryForSlot(slot)?.Endpoint;
            }

            Volatile.Write(ref _owners, owners);
        }

        public void Move(int slot, RedisEndpoint owner) => Volatile.Read(ref _owners)[slot] = owner;
    }
}
