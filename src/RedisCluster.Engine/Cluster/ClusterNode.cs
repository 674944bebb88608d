using System;
using System.Collections.Generic;
using RedisCluster.Engine.Connections;

namespace RedisCluster.Engine.Cluster
{
    /// <summary>One node of a cluster as a topology reply describes it. Immutable.</summary>
    public sealed class ClusterNode
    {
        public ClusterNode(
            string id,
            RedisEndpoint? endpoint,
            string ip,
            string? hostname,
            int port,
            int? tlsPort,
            ClusterNodeRole role,
            string? primaryId,
            IReadOnlyList<SlotRange>? slots,
            ClusterNodeHealth health,
            long replicationOffset = 0,
            IReadOnlyList<string>? flags = null,
            bool isMyself = false)
        {
            Id = id ?? throw new ArgumentNullException(nameof(id));
            Endpoint = endpoint;
            Ip = ip ?? string.Empty;
            Hostname = string.IsNullOrEmpty(hostname) ? null : hostname;
            Port = port;
            TlsPort = tlsPort;
            Role = role;
            PrimaryId = string.IsNullOrEmpty(primaryId) ? null : primaryId;
            Slots = new ReadableList<SlotRange>(slots ?? (IEnumerable<SlotRange>)new SlotRange[0], ",");
            Health = health;
            ReplicationOffset = replicationOffset;
            Flags = new ReadableList<string>(flags ?? (IEnumerable<string>)new string[0], ",");
            IsMyself = isMyself;
        }

        /// <summary>The 40-character node id (or, for servers too old to report one, the address it was seen at).</summary>
        public string Id { get; }

        /// <summary>
        /// The address a client should dial for this node, with the port of the protocol the topology was
        /// read for (the TLS port on a TLS connection). Null when the node has no known address
        /// (CLUSTER NODES ":0", a handshake or noaddr node).
        /// </summary>
        public RedisEndpoint? Endpoint { get; }

        /// <summary>The node's IP as the cluster bus knows it; empty when unknown.</summary>
        public string Ip { get; }

        /// <summary>The announced hostname (cluster-announce-hostname), when one is set.</summary>
        public string? Hostname { get; }

        /// <summary>
        /// The plaintext client port; 0 when the node has none or the reply did not say (CLUSTER SLOTS and
        /// CLUSTER NODES read over TLS only name the TLS port).
        /// </summary>
        public int Port { get; }

        /// <summary>The TLS client port, when the reply names one.</summary>
        public int? TlsPort { get; }

        public ClusterNodeRole Role { get; }

        /// <summary>For a replica, the id of the primary it copies.</summary>
        public string? PrimaryId { get; }

        /// <summary>Slots this node owns as a primary; empty for replicas (they serve their primary's slots). Its text is "0-5460,10923".</summary>
        public IReadOnlyList<SlotRange> Slots { get; }

        public ClusterNodeHealth Health { get; }

        /// <summary>Replication offset (CLUSTER SHARDS only; 0 otherwise).</summary>
        public long ReplicationOffset { get; }

        /// <summary>The raw CLUSTER NODES flags (myself, master, slave, fail?, fail, handshake, noaddr, nofailover); empty for other replies. Its text is the flags joined with commas.</summary>
        public IReadOnlyList<string> Flags { get; }

        /// <summary>True for the node that answered (known from CLUSTER NODES only).</summary>
        public bool IsMyself { get; }

        public bool IsPrimary => Role == ClusterNodeRole.Primary;

        public bool IsReplica => Role == ClusterNodeRole.Replica;

        public bool HasFlag(string flag)
        {
            foreach (string f in Flags)
            {
                if (string.Equals(f, flag, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }

            return false;
        }

        public override string ToString()
            => (Endpoint?.ToString() ?? "(no address)") + " " + (IsPrimary ? "primary" : "replica") + " " + Id
                + (Slots.Count > 0 ? " " + string.Join(",", Slots) : string.Empty) + (Health == ClusterNodeHealth.Online ? string.Empty : " " + Health);
    }
}
