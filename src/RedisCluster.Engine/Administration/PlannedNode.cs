using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Connections;

namespace RedisCluster.Engine.Administration
{
    /// <summary>One node of a cluster about to be created: what it will be. Immutable.</summary>
    public sealed class PlannedNode
    {
        internal PlannedNode(NodeSession session, string nodeId, string meetIp, int busPort, SlotRange? slots, PlannedNode? primary)
        {
            Session = session;
            NodeId = nodeId;
            MeetIp = meetIp;
            BusPort = busPort;
            Slots = slots;
            Primary = primary;
        }

        public RedisEndpoint Endpoint => Session.Endpoint;

        public string NodeId { get; }

        /// <summary>The slots this node will own as a primary; null for a replica.</summary>
        public SlotRange? Slots { get; }

        /// <summary>For a replica, the primary it will copy; null for a primary.</summary>
        public PlannedNode? Primary { get; }

        public bool IsPrimary => Primary == null;

        internal NodeSession Session { get; }

        /// <summary>The IP other nodes reach this node's bus at (CLUSTER MEET takes an IP, not a host name).</summary>
        internal string MeetIp { get; }

        internal int BusPort { get; }

        public override string ToString()
            => Endpoint + (IsPrimary ? " primary of slots " + Slots : " replica of " + Primary!.Endpoint);
    }
}
