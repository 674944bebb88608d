namespace RedisCluster.Engine.Connections
{
    /// <summary>What the server said about itself during the handshake (HELLO, or INFO on RESP2).</summary>
    public sealed class ServerHello
    {
        public ServerHello(string server, string version, int protocol, long connectionId, string mode, string role)
        {
            Server = server;
            Version = version;
            Protocol = protocol;
            ConnectionId = connectionId;
            Mode = mode;
            Role = role;
        }

        public string Server { get; }

        public string Version { get; }

        public int Protocol { get; }

        public long ConnectionId { get; }

        /// <summary>standalone, cluster or sentinel.</summary>
        public string Mode { get; }

        /// <summary>master or replica.</summary>
        public string Role { get; }

        public bool IsCluster => Mode == "cluster";

        /// <summary>"redis 7.2.4, RESP3, cluster master".</summary>
        public override string ToString() => Server + " " + Version + ", RESP" + Protocol.ToString(System.Globalization.CultureInfo.InvariantCulture) + ", " + Mode + " " + Role;
    }
}
