using System;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using RedisCluster.Engine.Tunnel.Smart.Tracking;

namespace RedisCluster.Engine.Tunnel.Smart
{
    /// <summary>
    /// What a single server knows about one application connection (CLIENT LIST, CLIENT INFO, CLIENT KILL):
    /// the smart session's own figures, not those of the shared upstream connections its commands run on.
    /// The session updates it as it works; other sessions read it.
    /// </summary>
    internal sealed class SmartClientState
    {
        private readonly Action _kill;
        private readonly long _created = Stopwatch.GetTimestamp();
        private long _lastInteraction = Stopwatch.GetTimestamp();
        private volatile string _lastCommand = "NULL";
        private volatile byte[]? _name;

        public SmartClientState(long id, Socket socket, Action kill)
        {
            Id = id;
            _kill = kill;
            Address = Endpoint(socket.RemoteEndPoint);
            LocalAddress = Endpoint(socket.LocalEndPoint);
            LocalPort = socket.LocalEndPoint is IPEndPoint local ? local.Port : 0;
            Descriptor = Environment.OSVersion.Platform == PlatformID.Unix ? socket.Handle.ToInt64() : -1;
        }

        public long Id { get; }

        /// <summary>ip:port of the application, as Redis writes it (CLIENT LIST's addr).</summary>
        public string Address { get; }

        /// <summary>ip:port the application connected to (laddr).</summary>
        public string LocalAddress { get; }

        public int LocalPort { get; }

        /// <summary>The socket's descriptor where there is one (fd); -1 otherwise.</summary>
        public long Descriptor { get; }

        /// <summary>CLIENT SETNAME's name; null when unnamed.</summary>
        public byte[]? Name
        {
            get => _name;
            set => _name = value;
        }

        public int Protocol { get; set; } = 2;

        /// <summary>Commands queued since MULTI; -1 outside a transaction.</summary>
        public int Multi { get; set; } = -1;

        /// <summary>Waiting in a blocking command.</summary>
        public bool Blocked { get; set; }

        /// <summary>The node connection a blocking command waits on (CLIENT UNBLOCK's target); null when not blocked.</summary>
        public RedisCluster.Engine.Connections.RedisConnection? BlockedOn { get; set; }

        /// <summary>Handed to a subscription relay.</summary>
        public bool Subscribed { get; set; }

        /// <summary>CLIENT TRACKING: what the application tracks and where its invalidations go.</summary>
        public ClientTracking Tracking { get; } = new ClientTracking();

        /// <summary>Where invalidation messages for the application wait to be written; null until its session writes.</summary>
        public PushOutbox? Pushes { get; set; }

        /// <summary>
        /// The application said QUIT: from then on it is gone for the other applications (a redirect to it is broken),
        /// as on a server that frees a client before another client's next command runs.
        /// </summary>
        public bool Quitting { get; set; }

        /// <summary>CLIENT NO-EVICT ON.</summary>
        public bool NoEvict { get; set; }

        /// <summary>Notes a command about to run: CLIENT LIST's cmd (Redis's full name, container|sub) and idle.</summary>
        public void Command(string fullName)
        {
            _lastCommand = fullName;
            Interlocked.Exchange(ref _lastInteraction, Stopwatch.GetTimestamp());
        }

        /// <summary>Closes the application's connection (CLIENT KILL).</summary>
        public void Kill() => _kill();

        /// <summary>
        /// One line of CLIENT LIST in Redis 7.0's format, without its newline. <paramref name="queryBytes"/>:
        /// the query buffer, which on a server still holds the command being run (the caller's own CLIENT
        /// LIST or INFO) and is empty for a client waiting for its next command.
        /// </summary>
        public string Describe(long queryBytes = 0)
        {
            var flags = new StringBuilder();
            flags.Append(Subscribed ? "P" : string.Empty).Append(Tracking.ListFlags()).Append(Multi >= 0 ? "x" : string.Empty).Append(Blocked ? "b" : string.Empty).Append(NoEvict ? "e" : string.Empty);
            byte[]? name = Name;
            return "id=" + Number(Id) + " addr=" + Address + " laddr=" + LocalAddress + " fd=" + Number(Descriptor)
                + " name=" + (name == null ? string.Empty : Encoding.UTF8.GetString(name))
                + " age=" + Number(Seconds(_created)) + " idle=" + Number(Seconds(Interlocked.Read(ref _lastInteraction)))
                + " flags=" + (flags.Length == 0 ? "N" : flags.ToString()) + " db=0 sub=0 psub=0 ssub=0 multi=" + Number(Multi)
                + " qbuf=" + Number(queryBytes) + " qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r cmd=" + _lastCommand
                + " user=default redir=" + Number(Tracking.RedirectForInfo) + " resp=" + Number(Protocol);
        }

        private static long Seconds(long since) => (Stopwatch.GetTimestamp() - since) / Stopwatch.Frequency;

        private static string Endpoint(EndPoint? endpoint)
        {
            if (endpoint is IPEndPoint ip)
            {
                IPAddress address = ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address;
                return address + ":" + Number(ip.Port);
            }

            return endpoint?.ToString() ?? "?";
        }

        private static string Number(long n) => n.ToString(CultureInfo.InvariantCulture);
    }
}
