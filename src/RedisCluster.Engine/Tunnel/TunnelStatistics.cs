using System;
using System.Threading;

namespace RedisCluster.Engine.Tunnel
{
    /// <summary>
    /// Live counters of a tunnel, updated by its connections with interlocked operations; reading a
    /// property gives the current value.
    /// </summary>
    public sealed class TunnelStatistics
    {
        private long _clientsNow;
        private long _clientsTotal;
        private long _bytesToServer;
        private long _bytesToClient;
        private long _commands;
        private long _upstreamConnections;
        private long _upstreamReconnects;
        private long _errors;
        private Func<long>? _sharedConnections;
        private long _refused;

        /// <summary>Client connections open now.</summary>
        public long ClientsNow => Volatile.Read(ref _clientsNow);

        /// <summary>Client connections accepted since the tunnel started.</summary>
        public long ClientsTotal => Volatile.Read(ref _clientsTotal);

        /// <summary>Bytes relayed from clients to servers (after AUTH/HELLO rewriting).</summary>
        public long BytesToServer => Volatile.Read(ref _bytesToServer);

        /// <summary>Bytes relayed from servers to clients (after address rewriting).</summary>
        public long BytesToClient => Volatile.Read(ref _bytesToClient);

        /// <summary>Complete commands relayed from clients to servers.</summary>
        public long CommandsRelayed => Volatile.Read(ref _commands);

        /// <summary>
        /// Authenticated upstream connections the tunnel holds open now: one per client in standalone and pinned
        /// mode; in smart mode the shared router and relay connections plus those of clients' own (WATCH,
        /// blocking commands, subscriptions).
        /// </summary>
        public long UpstreamConnections
        {
            get
            {
                Func<long>? shared = Volatile.Read(ref _sharedConnections);
                return Volatile.Read(ref _upstreamConnections) + (shared == null ? 0 : shared());
            }
        }

        /// <summary>
        /// Times the tunnel had to connect again to keep serving: a client's upstream connection that needed
        /// a second attempt, or the topology connection of a pinned tunnel re-established after it broke.
        /// </summary>
        public long UpstreamReconnects => Volatile.Read(ref _upstreamReconnects);

        /// <summary>Clients turned away because the tunnel had its maximum of clients (-MaxClients).</summary>
        public long ClientsRefused => Volatile.Read(ref _refused);

        /// <summary>
        /// Failures: upstream connections that could not be opened or broke, protocol errors from clients,
        /// listener faults.
        /// </summary>
        public long Errors => Volatile.Read(ref _errors);

        internal void ClientOpened()
        {
            Interlocked.Increment(ref _clientsNow);
            Interlocked.Increment(ref _clientsTotal);
        }

        internal void ClientClosed() => Interlocked.Decrement(ref _clientsNow);

        internal void AddToServer(long bytes, long commands)
        {
            Interlocked.Add(ref _bytesToServer, bytes);
            if (commands != 0)
            {
                Interlocked.Add(ref _commands, commands);
            }
        }

        internal void AddToClient(long bytes) => Interlocked.Add(ref _bytesToClient, bytes);

        /// <summary>A connection of a client's own was opened; <see cref="UpstreamClosed"/> once it is closed.</summary>
        internal void UpstreamOpened() => Interlocked.Increment(ref _upstreamConnections);

        internal void UpstreamClosed() => Interlocked.Decrement(ref _upstreamConnections);

        /// <summary>Smart mode: counts the shared connections, which their pools open and replace on their own.</summary>
        internal void CountSharedConnections(Func<long> count) => Volatile.Write(ref _sharedConnections, count);

        internal void Reconnected() => Interlocked.Increment(ref _upstreamReconnects);

        internal void Error() => Interlocked.Increment(ref _errors);

        internal void Refused() => Interlocked.Increment(ref _refused);

        public override string ToString()
            => "clients " + ClientsNow + " (" + ClientsTotal + " total, " + ClientsRefused + " refused), upstream " + UpstreamConnections + ", commands " + CommandsRelayed
               + ", bytes " + BytesToServer + " up / " + BytesToClient + " down, reconnects " + UpstreamReconnects + ", errors " + Errors;
    }
}
