using System;
using System.Collections.Generic;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Tunnel.Relay;

namespace RedisCluster.Engine.Tunnel.Hosting
{
    /// <summary>
    /// One client's standing with a tunnel's <see cref="TunnelAccessPolicy"/>: whether it has given the
    /// local password yet, and what each of its commands gets. Every mode asks it about every command
    /// before anything reaches the server; the answers are Redis's own error texts, so clients handle them
    /// as they would a server's.
    /// </summary>
    internal sealed class TunnelClientGate
    {
        private readonly TunnelAccessPolicy _policy;

        public TunnelClientGate(TunnelAccessPolicy policy)
        {
            _policy = policy;
            Authenticated = !policy.RequiresPassword;
        }

        public bool Authenticated { get; private set; }

        /// <summary>True when the client must give the tunnel's local password.</summary>
        public bool RequiresPassword => _policy.RequiresPassword;

        /// <summary>True when the relay must read the subcommand of <paramref name="name"/> to decide.</summary>
        public bool NeedsSubcommand(string name) => _policy.NeedsSubcommand(name);

        /// <summary>
        /// The error for a command other than AUTH and HELLO (its upper-cased name, and its first argument
        /// upper-cased when <see cref="NeedsSubcommand"/>), or null when it may run. A name too long to have
        /// been read (null) can still be refused for want of authentication.
        /// </summary>
        public string? Check(string? name, string? subcommand)
        {
            if (!Authenticated && (name == null || !_policy.AllowsUnauthenticated(name)))
            {
                return TunnelAccessPolicy.NoAuth;
            }

            if (name == "RESET" && _policy.RequiresPassword)
            {
                // RESET drops the connection's authentication in Redis too.
                Authenticated = false;
            }

            return name == null ? null : _policy.Refusal(name, subcommand);
        }

        /// <summary>
        /// Checks a client's AUTH or HELLO against the local password: null when it may go on (for AUTH the
        /// client is then authenticated and gets +OK; for HELLO the AUTH option must be removed before the
        /// rest reaches the server), otherwise the error to answer with.
        /// </summary>
        public string? CheckAuthentication(string name, IReadOnlyList<byte[]> args)
        {
            if (!_policy.RequiresPassword)
            {
                return null;
            }

            if (name == "AUTH")
            {
                if (args.Count != 2 && args.Count != 3)
                {
                    return "ERR wrong number of arguments for 'auth' command";
                }

                return Verify(args.Count == 3 ? args[1] : null, args[args.Count - 1]);
            }

            // HELLO [protover [AUTH user pass] [SETNAME name]]
            for (int i = 2; i < args.Count; i++)
            {
                // Compared in place: HELLO's arguments include a password, which must not enter the cache of names.
                if (Relay.ClientCommandClassifier.Is(args[i], "AUTH") && i + 2 < args.Count)
                {
                    return Verify(args[i + 1], args[i + 2]);
                }
            }

            return Authenticated ? null : TunnelAccessPolicy.HelloNoAuth;
        }

        private string? Verify(byte[]? user, byte[] password)
        {
            if (!_policy.Matches(user, password))
            {
                // As in Redis, a failed attempt leaves an authenticated connection authenticated.
                return TunnelAccessPolicy.WrongPass;
            }

            Authenticated = true;
            return null;
        }

        /// <summary>For a whole command (its upper-cased name and arguments): the error to answer with, or null when it may run.</summary>
        public string? Admit(string name, byte[][] args)
        {
            if (name == "AUTH" || name == "HELLO")
            {
                return CheckAuthentication(name, args);
            }

            string? subcommand = args.Length > 1 && NeedsSubcommand(name) ? NameOf(args[1]) : null;
            return Check(name, subcommand);
        }

        /// <summary>For relays that have only the name's bytes: the upper-cased name, or null when longer than any rule can name.</summary>
        public static string? NameOf(ReadOnlySpan<byte> name)
            => name.Length > TunnelAccessPolicy.MaxName ? null : CommandNames.Of(name);
    }
}
