using System;
using System.Collections.Generic;
using System.Net.Sockets;
using System.Threading;
using RedisCluster.Engine.Connections.EventLoop;
using RedisCluster.Engine.Tunnel.Hosting;
using RedisCluster.Engine.Tunnel.Smart.Tracking;

namespace RedisCluster.Engine.Tunnel.Smart
{
    /// <summary>
    /// What the parts of one smart client's session share: the tunnel and backend, the client's socket, identity and
    /// WATCH pin, the cancellation that ends its work, and the per-connection settings a command changes for the
    /// commands after it (the protocol HELLO chose, a CLIENT KILL of itself, a SUBSCRIBE that hands the client over).
    /// </summary>
    internal sealed class SmartSessionState
    {
        private SocketEventLoop? _loop;

        public SmartSessionState(TunnelContext context, SmartBackend backend, Socket socket, CancellationTokenSource abort, long clientId,
            SmartClientState client, SmartPin pin, TunnelClientGate? gate)
        {
            Context = context;
            Backend = backend;
            Socket = socket;
            Abort = abort;
            ClientId = clientId;
            Client = client;
            Pin = pin;
            Gate = gate;
            Scripts = new TrackedScripts(backend, context, client);
            Arrival = backend.Arrivals.Register(socket);
        }

        /// <summary>The event loop that serves the client's socket, or null on the runtime's sockets (set when the session starts).</summary>
        public SocketEventLoop? Loop
        {
            get => _loop;
            set
            {
                _loop = value;
                LinkSlot = Math.Max(0, SocketEventLoops.IndexOf(value));
            }
        }

        /// <summary>Which of each node's relay connections the client's commands go on: the one on the client's own loop (see <see cref="SmartRelayLinks"/>).</summary>
        public int LinkSlot { get; private set; }

        /// <summary>This connection until its first commands are taken (see <see cref="SmartArrivals"/>).</summary>
        public SmartArrivals.Arrival Arrival { get; }

        public TunnelContext Context { get; }

        public SmartBackend Backend { get; }

        public Socket Socket { get; }

        /// <summary>Cancelled when the client goes or the tunnel stops: ends whatever the client is waiting for.</summary>
        public CancellationTokenSource Abort { get; }

        /// <summary>The tunnel's own id for the client (CLIENT ID, HELLO), not any node's.</summary>
        public long ClientId { get; }

        /// <summary>The client as CLIENT LIST and CLIENT KILL see it.</summary>
        public SmartClientState Client { get; }

        /// <summary>The connection that holds the client's WATCH or blocking command.</summary>
        public SmartPin Pin { get; }

        /// <summary>The client's scripts while it tracks keys: on connections of its own, where the node tracks what they read.</summary>
        public TrackedScripts Scripts { get; }

        /// <summary>-ClientCredential and -DenyCommand, or null when neither is set.</summary>
        public TunnelClientGate? Gate { get; }

        /// <summary>The protocol the client speaks (2 until HELLO 3).</summary>
        public int Protocol { get; set; } = 2;

        /// <summary>The client killed its own connection (CLIENT KILL): close once the reply is out.</summary>
        public bool CloseAfterReply { get; set; }

        /// <summary>CLIENT REPLY ON/OFF/SKIP of this application alone (the upstream connections are shared).</summary>
        public SmartReplySwitch Replies { get; } = new SmartReplySwitch();

        /// <summary>Whether the batch being run holds a script (EVAL/FCALL...), which a SCRIPT/FUNCTION KILL in it may be meant for.</summary>
        public bool BatchRunsScript { get; set; }

        /// <summary>The rest of a batch from its first SUBSCRIBE on, which the subscription relay takes over.</summary>
        public List<byte[][]>? SubscribeFrom { get; set; }
    }
}
