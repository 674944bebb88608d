using System;
using RedisCluster.Engine.Tunnel.Hosting;

namespace RedisCluster.Engine.Tunnel.Relay
{
    /// <summary>
    /// Decides what the byte relay does with a client's command from its name and first argument: relay it,
    /// read it whole (AUTH, HELLO), refuse it (-ClientCredential, -DenyCommand), or turn an EXEC into DISCARD;
    /// and which replies the reply side must treat specially. Follows MULTI/EXEC as the server will run them,
    /// and notices QUIT.
    /// </summary>
    internal sealed class ClientCommandClassifier
    {
        /// <summary>Names and subcommands longer than this are never ones the tunnel looks at.</summary>
        public const int MaxWord = TunnelAccessPolicy.MaxName;

        private readonly bool _rewritesAuth;

        // MULTI was relayed and not yet ended; and whether the tunnel refused a command queued since, which in
        // Redis flags the transaction so that EXEC discards it.
        private bool _inTransaction;
        private bool _transactionRefused;

        /// <param name="rewritesAuth">The tunnel holds the server's credential and puts it in place of the client's.</param>
        public ClientCommandClassifier(bool rewritesAuth)
        {
            _rewritesAuth = rewritesAuth;
        }

        /// <summary>The client's standing with the tunnel's password and deny list; null when there is neither.</summary>
        public TunnelClientGate? Gate { get; set; }

        /// <summary>True once the client sent QUIT: the server closing the connection after it is the client's doing.</summary>
        public bool QuitSent { get; private set; }

        /// <summary>Whether the verdict on a command named <paramref name="name"/> depends on its first argument.</summary>
        public bool NeedsSubcommand(ReadOnlySpan<byte> name)
        {
            if (Is(name, "CLUSTER") || Is(name, "CLIENT"))
            {
                return true;
            }

            string? gateName = Gate == null ? null : TunnelClientGate.NameOf(name);
            return gateName != null && Gate!.NeedsSubcommand(gateName);
        }

        /// <summary>
        /// Decides about one command of <paramref name="count"/> arguments. <paramref name="name"/> is null when the
        /// name is longer than <see cref="MaxWord"/>; <paramref name="sub"/> is empty when not read or too long.
        /// </summary>
        public ClientCommandVerdict Classify(ReadOnlySpan<byte> name, bool nameTooLong, ReadOnlySpan<byte> sub, long count)
        {
            if (nameTooLong)
            {
                // Longer than any name a rule can name: refused only for want of authentication.
                return Refusal(Gate?.Check(null, null)) ?? Relay(ClientCommandKind.Other);
            }

            if (Is(name, "AUTH") || Is(name, "HELLO"))
            {
                return _rewritesAuth || Gate?.RequiresPassword == true
                    ? new ClientCommandVerdict(ClientCommandAction.ReadWhole, ClientCommandKind.Other)
                    : Relay(ClientCommandKind.Other);
            }

            if (Gate != null)
            {
                string? gateName = TunnelClientGate.NameOf(name);
                ClientCommandVerdict? refused = Refusal(Gate.Check(gateName, sub.IsEmpty ? null : TunnelClientGate.NameOf(sub)));
                if (refused != null)
                {
                    return refused.Value;
                }
            }

            if (Is(name, "QUIT"))
            {
                QuitSent = true;
                return Relay(ClientCommandKind.Other);
            }

            if (count == 1 && FollowTransaction(name))
            {
                return new ClientCommandVerdict(ClientCommandAction.Discard, ClientCommandKind.DiscardedExec);
            }

            return Relay(KindOf(name, sub, count));
        }

        private ClientCommandVerdict? Refusal(string? refusal)
        {
            if (refusal == null)
            {
                return null;
            }

            _transactionRefused |= _inTransaction;
            return new ClientCommandVerdict(ClientCommandAction.Refuse, ClientCommandKind.Other, refusal);
        }

        private static ClientCommandVerdict Relay(ClientCommandKind kind) => new ClientCommandVerdict(ClientCommandAction.Relay, kind);

        private static ClientCommandKind KindOf(ReadOnlySpan<byte> name, ReadOnlySpan<byte> sub, long count)
        {
            if (Is(name, "SUBSCRIBE") || Is(name, "PSUBSCRIBE") || Is(name, "SSUBSCRIBE") || Is(name, "UNSUBSCRIBE")
                || Is(name, "PUNSUBSCRIBE") || Is(name, "SUNSUBSCRIBE") || Is(name, "MONITOR") || Is(name, "SYNC") || Is(name, "PSYNC"))
            {
                return ClientCommandKind.Desync;
            }

            if (count < 2)
            {
                return ClientCommandKind.Other;
            }

            if (Is(name, "CLIENT"))
            {
                return Is(sub, "REPLY") ? ClientCommandKind.Desync : ClientCommandKind.Other;
            }

            if (!Is(name, "CLUSTER"))
            {
                return ClientCommandKind.Other;
            }

            return Is(sub, "SLOTS") ? ClientCommandKind.ClusterSlots
                : Is(sub, "SHARDS") ? ClientCommandKind.ClusterShards
                : Is(sub, "NODES") ? ClientCommandKind.ClusterNodes
                : Is(sub, "REPLICAS") || Is(sub, "SLAVES") ? ClientCommandKind.ClusterReplicas
                : ClientCommandKind.Other;
        }

        /// <summary>
        /// Follows MULTI, EXEC, DISCARD and RESET (each relayed without arguments) as the server will run them;
        /// true for an EXEC that must discard the transaction.
        /// </summary>
        private bool FollowTransaction(ReadOnlySpan<byte> name)
        {
            if (Is(name, "MULTI"))
            {
                // A nested MULTI is an error that leaves the transaction as it was.
                _transactionRefused &= _inTransaction;
                _inTransaction = true;
                return false;
            }

            bool exec = Is(name, "EXEC");
            if (exec || Is(name, "DISCARD") || Is(name, "RESET"))
            {
                bool discard = exec && _inTransaction && _transactionRefused;
                _inTransaction = _transactionRefused = false;
                return discard;
            }

            return false;
        }

        /// <summary>ASCII comparison ignoring case, as Redis matches command names.</summary>
        internal static bool Is(ReadOnlySpan<byte> bytes, string word)
        {
            if (bytes.Length != word.Length)
            {
                return false;
            }

            for (int i = 0; i < bytes.Length; i++)
            {
                int b = bytes[i];
                if (b >= 'a' && b <= 'z')
                {
                    b -= 32;
                }

                if (b != word[i])
                {
                    return false;
                }
            }

            return true;
        }
    }
}
