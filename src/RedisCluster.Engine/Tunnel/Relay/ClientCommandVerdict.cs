namespace RedisCluster.Engine.Tunnel.Relay
{
    /// <summary>What <see cref="ClientCommandClassifier"/> decided about one command.</summary>
    internal readonly struct ClientCommandVerdict
    {
        public ClientCommandVerdict(ClientCommandAction action, ClientCommandKind kind, string? refusal = null)
        {
            Action = action;
            Kind = kind;
            Refusal = refusal;
        }

        public ClientCommandAction Action { get; }

        /// <summary>What the reply side must know about the reply (Other for most commands).</summary>
        public ClientCommandKind Kind { get; }

        /// <summary>The error the tunnel answers with, for <see cref="ClientCommandAction.Refuse"/>.</summary>
        public string? Refusal { get; }
    }
}
