using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;

namespace RedisCluster.Engine.Tunnel.Hosting
{
    /// <summary>
    /// Who may use a tunnel and for what, the same for every mode: an optional local password that clients
    /// must give (AUTH or HELLO ... AUTH) before anything else, and commands no client may run, named
    /// directly or by ACL category from the server's own COMMAND metadata. Every tunnel client runs with
    /// the tunnel's credential upstream, so this is the only place its rights can be narrowed.
    /// </summary>
    internal sealed class TunnelAccessPolicy
    {
        public const string NoAuth = "NOAUTH Authentication required.";
        public const string WrongPass = "WRONGPASS invalid username-password pair or user is disabled.";
        public const string HelloNoAuth = "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> "
            + "option can be used to authenticate the client and select the RESP protocol version at the same time";

        /// <summary>Longest command or subcommand name a deny rule can name; the relays read this many bytes of a name.</summary>
        public const int MaxName = 64;

        // Commands Redis itself runs before authentication (its no_auth flag); also never denied.
        private static readonly string[] DefaultUnauthenticated = { "AUTH", "HELLO", "QUIT", "RESET" };

        private readonly string? _user;
        private readonly byte[]? _passwordHash;
        private readonly HashSet<string> _unauthenticated;
        private readonly HashSet<string> _deniedCommands = new HashSet<string>(StringComparer.Ordinal);
        private readonly Dictionary<string, HashSet<string>> _deniedSubcommands = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);

        private TunnelAccessPolicy(NetworkCredential? client, HashSet<string> unauthenticated)
        {
            if (client != null)
            {
                _user = string.IsNullOrEmpty(client.UserName) ? null : client.UserName;
                byte[] password = Encoding.UTF8.GetBytes(client.Password ?? string.Empty);
                _passwordHash = Hash(password);
                Array.Clear(password, 0, password.Length);
            }

            _unauthenticated = unauthenticated;
        }

        /// <summary>True when clients must authenticate to the tunnel first.</summary>
        public bool RequiresPassword => _passwordHash != null;

        /// <summary>
        /// The policy for <paramref name="options"/>, or null when it sets neither a client password nor a
        /// deny list. <paramref name="commands"/> (the server's COMMAND table) is needed for a deny list.
        /// </summary>
        public static TunnelAccessPolicy? Create(TunnelOptions options, CommandTable? commands)
        {
            bool deny = options.DenyCommands.Count > 0;
            if (options.ClientCredential == null && !deny)
            {
                return null;
            }

            var unauthenticated = new HashSet<string>(DefaultUnauthenticated, StringComparer.Ordinal);
            if (commands != null)
            {
                foreach (CommandInfo info in commands.Commands.Values.Where(c => c.HasFlag("no_auth")))
                {
                    unauthenticated.Add(info.Name.ToUpperInvariant());
                }
            }

            var policy = new TunnelAccessPolicy(options.ClientCredential, unauthenticated);
            if (deny)
            {
                if (commands == null)
                {
                    throw new ArgumentNullException(nameof(commands), "A deny list needs the server's command table.");
                }

                foreach (string rule in options.DenyCommands)
                {
                    policy.AddDenyRule(rule, commands);
                }
            }

            return policy;
        }

        /// <summary>
        /// The policy for <paramref name="options"/>, with the command table read over <paramref name="control"/>
        /// (the tunnel's first upstream connection) when there is a deny list; null when there is nothing to enforce.
        /// </summary>
        public static async Task<TunnelAccessPolicy?> LoadAsync(TunnelOptions options, RedisConnection control, CancellationToken cancellationToken)
        {
            CommandTable? commands = options.DenyCommands.Count > 0
                ? await CommandTable.LoadAsync(control, cancellationToken).ConfigureAwait(false)
                : null;
            return Create(options, commands);
        }

        /// <summary>True when <paramref name="name"/> (upper case) has some subcommands denied and others not.</summary>
        public bool NeedsSubcommand(string name) => _deniedSubcommands.ContainsKey(name);

        /// <summary>True for commands Redis runs before authentication (AUTH, HELLO, QUIT, RESET).</summary>
        public bool AllowsUnauthenticated(string name) => _unauthenticated.Contains(name);

        /// <summary>Redis's NOPERM error for a denied command, or null when it may run.</summary>
        public string? Refusal(string name, string? subcommand)
        {
            if (_unauthenticated.Contains(name))
            {
                return null;
            }

            if (_deniedCommands.Contains(name))
            {
                return Denied(name.ToLowerInvariant());
            }

            if (subcommand != null && _deniedSubcommands.TryGetValue(name, out HashSet<string>? subs) && subs.Contains(subcommand))
            {
                return Denied(name.ToLowerInvariant() + "|" + subcommand.ToLowerInvariant());
            }

            return null;
        }

        /// <summary>True when the user (null: none given, as in AUTH pass) and password are the tunnel's client credential.</summary>
        public bool Matches(byte[]? user, byte[] password)
        {
            if (_passwordHash == null)
            {
                return false;
            }

            // Compared as hashes in fixed time, so how long a wrong guess takes says nothing about the password.
            byte[] hash = Hash(password);
            int difference = 0;
            for (int i = 0; i < hash.Length; i++)
            {
                difference |= hash[i] ^ _passwordHash[i];
            }

            bool userMatches = user == null || (_user == null ? Encoding.UTF8.GetString(user) == "default" : Encoding.UTF8.GetString(user) == _user);
            return difference == 0 && userMatches;
        }

        private static string Denied(string fullName) => "NOPERM this user has no permissions to run the '" + fullName + "' command";

        private void AddDenyRule(string rule, CommandTable commands)
        {
            string text = (rule ?? string.Empty).Trim();
            if (text.Length == 0)
            {
                throw new RedisConfigurationException("-DenyCommand has an empty entry.");
            }

            if (text[0] == '@')
            {
                int found = 0;
                foreach (CommandInfo info in commands.Commands.Values)
                {
                    if (HasCategory(info, text))
                    {
                        DenyCommand(info.Name);
                        found++;
                        continue;
                    }

                    foreach (CommandInfo sub in info.Subcommands.Values.Where(s => HasCategory(s, text)))
                    {
                        DenySubcommand(info.Name, sub);
                        found++;
                    }
                }

                if (found == 0)
                {
                    throw new RedisConfigurationException("-DenyCommand " + text + ": the server has no command in the ACL category " + text
                        + " (see ACL CAT for the categories it knows).");
                }

                return;
            }

            // CONFIG, CONFIG|SET or "CONFIG SET".
            string[] parts = text.Split(new[] { '|', ' ' }, StringSplitOptions.RemoveEmptyEntries);
            CommandInfo? command = commands.Find(parts[0]) ?? commands.Find(parts[0].ToLowerInvariant());
            if (command == null || parts.Length > 2)
            {
                throw new RedisConfigurationException("-DenyCommand " + text + ": the server has no such command (see COMMAND LIST).");
            }

            if (parts.Length == 1)
            {
                DenyCommand(command.Name);
                return;
            }

            CommandInfo? subcommand = command.Subcommands.Values.FirstOrDefault(s => string.Equals(SubName(s), parts[1], StringComparison.OrdinalIgnoreCase));
            if (subcommand == null)
            {
                throw new RedisConfigurationException("-DenyCommand " + text + ": " + parts[0].ToUpperInvariant() + " has no subcommand " + parts[1] + ".");
            }

            DenySubcommand(command.Name, subcommand);
        }

        private void DenyCommand(string name)
        {
            string upper = Checked(name).ToUpperInvariant();
            _deniedCommands.Add(upper);
            _deniedSubcommands.Remove(upper);
        }

        private void DenySubcommand(string container, CommandInfo subcommand)
        {
            string upper = Checked(container).ToUpperInvariant();
            if (_deniedCommands.Contains(upper))
            {
                return;
            }

            if (!_deniedSubcommands.TryGetValue(upper, out HashSet<string>? subs))
            {
                subs = new HashSet<string>(StringComparer.Ordinal);
                _deniedSubcommands.Add(upper, subs);
            }

            subs.Add(Checked(SubName(subcommand)).ToUpperInvariant());
        }

        private static string Checked(string name)
            => name.Length <= MaxName ? name : throw new RedisConfigurationException("-DenyCommand: the command name '" + name + "' is longer than the tunnel can check (" + MaxName + ").");

        // Subcommand entries are named container|sub in Redis 7.
        private static string SubName(CommandInfo subcommand)
        {
            int bar = subcommand.Name.IndexOf('|');
            return bar < 0 ? subcommand.Name : subcommand.Name.Substring(bar + 1);
        }

        private static bool HasCategory(CommandInfo info, string category)
            => info.AclCategories.Any(c => string.Equals(c.TrimStart('@'), category.Substring(1), StringComparison.OrdinalIgnoreCase));

        private static byte[] Hash(byte[] bytes)
        {
            using (var sha = SHA256.Create())
            {
                return sha.ComputeHash(bytes);
            }
        }
    }
}
