using System;
using System.Collections.Generic;
using System.Net;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Tunnel
{
    /// <summary>What a tunnel connects to, where it listens and how it behaves.</summary>
    public sealed class TunnelOptions
    {
        public TunnelOptions(RedisEndpoint upstream, ConnectionOptions connection)
        {
            Upstream = upstream ?? throw new ArgumentNullException(nameof(upstream));
            Connection = connection ?? throw new ArgumentNullException(nameof(connection));
        }

        /// <summary>The server, or any node of the cluster.</summary>
        public RedisEndpoint Upstream { get; }

        /// <summary>TLS and credentials used for every upstream connection.</summary>
        public ConnectionOptions Connection { get; }

        /// <summary>Null: decided from what the server says it is (cluster: Pinned, otherwise Standalone).</summary>
        public TunnelMode? Mode { get; set; }

        /// <summary>Local address the listeners bind. Loopback unless the caller asks otherwise.</summary>
        public IPAddress ListenAddress { get; set; } = IPAddress.Loopback;

        /// <summary>
        /// The host written into rewritten node addresses (pinned mode). Null: the listen address, or
        /// 127.0.0.1 when the listeners bind every address.
        /// </summary>
        public string? AnnounceHost { get; set; }

        /// <summary>Standalone mode: the local port (0 picks a free one).</summary>
        public int ListenPort { get; set; } = RedisEndpoint.DefaultPort;

        /// <summary>Pinned mode: added to each node's port to get its local port.</summary>
        public int PortOffset { get; set; }

        /// <summary>Pinned mode: how often the topology is checked for nodes added, removed or moved.</summary>
        public TimeSpan TopologyRefreshInterval { get; set; } = TimeSpan.FromSeconds(5);

        /// <summary>How long stopping waits for replies to commands already relayed.</summary>
        public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(5);

        /// <summary>
        /// Bounds for what the tunnel parses from clients. In Standalone and Pinned modes command payloads are
        /// streamed, never buffered whole; only AUTH and HELLO frames are read whole, and they must fit in
        /// <see cref="MaxBufferedFrame"/>. Smart mode reads commands whole, except a write to one key with an
        /// argument of 1 MB or more, which it streams to the key's primary.
        /// </summary>
        public RespLimits ClientLimits { get; set; } = new RespLimits();

        /// <summary>
        /// Largest bulk string (one argument) a client may send, like Redis's <c>proto-max-bulk-len</c>
        /// (default 512 MB); a larger one is answered "ERR Protocol error: invalid bulk length" and the client is closed.
        /// </summary>
        public long ProtoMaxBulkLength
        {
            get => ClientLimits.MaxBulkLength;
            set => ClientLimits.MaxBulkLength = value;
        }

        /// <summary>
        /// Most a smart-mode client may have buffered of commands not yet run, like Redis's
        /// <c>client-query-buffer-limit</c> (default 1 GB); past it the client is closed without a reply, as Redis does.
        /// The other modes stream commands through and never hold more than their read buffers.
        /// </summary>
        public long ClientQueryBufferLimit
        {
            get => ClientLimits.MaxFrameLength;
            set => ClientLimits.MaxFrameLength = value;
        }

        /// <summary>
        /// Most all smart-mode clients together may have buffered (default 1 GB, 0 for no limit); the client
        /// whose input takes the total past it is closed. Redis's nearest setting is <c>maxmemory-clients</c>.
        /// </summary>
        public long TotalQueryBufferLimit { get; set; } = 1024L * 1024 * 1024;

        /// <summary>
        /// Most clients connected at once over all listeners, like Redis's <c>maxclients</c>; one more is answered
        /// "ERR max number of clients reached" and closed. Null: 10000, or fewer when the process's
        /// descriptor limit (ulimit -n) could not serve that many (see <see cref="ClientAdmission.DefaultMaximum"/>).
        /// </summary>
        public int? MaxClients { get; set; }

        /// <summary>
        /// Closes a client that has sent nothing for this long and is not waiting for a reply or subscribed,
        /// like Redis's <c>timeout</c>. Zero (the default): never.
        /// </summary>
        public TimeSpan ClientIdleTimeout { get; set; } = TimeSpan.Zero;

        /// <summary>
        /// Largest frame the tunnel holds whole to rewrite it: an AUTH or HELLO from a client, a topology
        /// reply from a server. Everything else streams through.
        /// </summary>
        public int MaxBufferedFrame { get; set; } = 16 * 1024 * 1024;

        /// <summary>Size of each direction's read buffer per connection; with the pipe limits it bounds memory per client.</summary>
        public int BufferSize { get; set; } = 64 * 1024;

        /// <summary>
        /// A password (and optional user name) that local clients must give with AUTH or HELLO ... AUTH before
        /// any other command. Null: clients need none, and every local client has the tunnel's rights.
        /// </summary>
        public NetworkCredential? ClientCredential { get; set; }

        /// <summary>
        /// Commands no tunnel client may run: names (CONFIG, CONFIG|GET) and ACL categories (@admin), resolved
        /// against the server's COMMAND metadata when the tunnel starts.
        /// </summary>
        public IList<string> DenyCommands { get; set; } = new List<string>();

        /// <summary>A name to show in lists; the registry fills in one when empty.</summary>
        public string? Name { get; set; }

        public IRedisLog Log { get; set; } = NullRedisLog.Instance;
    }
}
