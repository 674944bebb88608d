using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace RedisCluster.Engine.Commands
{
    /// <summary>A command and its arguments, as the binary strings sent on the wire.</summary>
    public sealed class RedisCommand
    {
        private static readonly HashSet<string> SecretBearing = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "AUTH", "HELLO", "MIGRATE", "ACL", "CONFIG",
        };

        public RedisCommand(IReadOnlyList<ReadOnlyMemory<byte>> arguments)
        {
            if (arguments == null || arguments.Count == 0)
            {
                throw new ArgumentException("A command needs at least its name.", nameof(arguments));
            }

            Arguments = arguments;
            Name = CommandNames.Of(arguments[0].Span);
        }

        public IReadOnlyList<ReadOnlyMemory<byte>> Arguments { get; }

        /// <summary>The command name, upper-cased.</summary>
        public string Name { get; }

        /// <summary>For callers that already hold the upper-cased name of <paramref name="arguments"/>[0].</summary>
        internal RedisCommand(ReadOnlyMemory<byte>[] arguments, string name)
        {
            Arguments = arguments;
            Name = name;
        }

        /// <summary>A client's command whose name was already looked up (<see cref="CommandNames.Of"/>).</summary>
        internal static RedisCommand Create(byte[][] arguments, string name)
        {
            var args = new ReadOnlyMemory<byte>[arguments.Length];
            for (int i = 0; i < arguments.Length; i++)
            {
                args[i] = arguments[i];
            }

            return new RedisCommand(args, name);
        }

        public static RedisCommand Create(params string[] arguments)
        {
            var args = new ReadOnlyMemory<byte>[arguments.Length];
            for (int i = 0; i < arguments.Length; i++)
            {
                args[i] = Encoding.UTF8.GetBytes(arguments[i]);
            }

            return new RedisCommand(args);
        }

        public static RedisCommand Create(IReadOnlyList<byte[]> arguments)
        {
            var args = new ReadOnlyMemory<byte>[arguments.Count];
            for (int i = 0; i < arguments.Count; i++)
            {
                args[i] = arguments[i];
            }

            return new RedisCommand(args);
        }

        public string ArgumentText(int index) => Encoding.UTF8.GetString(Arguments[index].ToArray());

        /// <summary>
        /// True for commands that legitimately wait for longer than a command timeout
        /// (BLPOP 0, XREAD BLOCK, WAIT...), so that the connection does not treat the wait as a hang.
        /// </summary>
        public bool MayBlock
        {
            get
            {
                switch (Name)
                {
                    case "BLPOP":
                    case "BRPOP":
                    case "BRPOPLPUSH":
                    case "BLMOVE":
                    case "BLMPOP":
                    case "BZPOPMIN":
                    case "BZPOPMAX":
                    case "BZMPOP":
                    case "WAIT":
                    case "WAITAOF":
                    case "SUBSCRIBE":
                    case "PSUBSCRIBE":
                    case "SSUBSCRIBE":
                    case "MONITOR":
                        return true;
                    case "XREAD":
                    case "XREADGROUP":
                        for (int i = 1; i < Arguments.Count; i++)
                        {
                            if (string.Equals(ArgumentText(i), "BLOCK", StringComparison.OrdinalIgnoreCase))
                            {
                                return true;
                            }
                        }

                        return false;
                    default:
                        return false;
                }
            }
        }

        /// <summary>
        /// The command as text for messages and logs, with arguments that can carry secrets
        /// (AUTH, HELLO ... AUTH, MIGRATE ... AUTH/AUTH2, ACL SETUSER, CONFIG SET ...pass) redacted.
        /// </summary>
        public string ToDisplayString(int maxArgumentLength = 64)
        {
            var sb = new StringBuilder();
            int redactNext = 0;
            for (int i = 0; i < Arguments.Count; i++)
            {
                if (i > 0)
                {
                    sb.Append(' ');
                }

                if (redactNext > 0 || (i > 0 && IsSecretPosition(i)))
                {
                    redactNext = Math.Max(0, redactNext - 1);
                    sb.Append("****");
                    continue;
                }

                string text = ArgumentText(i);
                if (i > 0 && SecretBearing.Contains(Name) && IsAuthKeyword(text))
                {
                    // HELLO ... AUTH user pass, MIGRATE ... AUTH pass, MIGRATE ... AUTH2 user pass.
                    redactNext = Name == "HELLO" || string.Equals(text, "AUTH2", StringComparison.OrdinalIgnoreCase) ? 2 : 1;
                }

                string suffix = string.Empty;
                bool quote = text.Length == 0 || text.IndexOfAny(new[] { ' ', '"', '\'', '\n', '\r', '\t' }) >= 0;
                if (text.Length > maxArgumentLength)
                {
                    text = text.Substring(0, maxArgumentLength);
                    suffix = "...(" + Arguments[i].Length.ToString(CultureInfo.InvariantCulture) + " bytes)";
                }

                sb.Append(quote ? "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n").Replace("\r", "\\r").Replace("\t", "\\t") + "\"" : text).Append(suffix);
            }

            return sb.ToString();
        }

        public override string ToString() => ToDisplayString();

        private bool IsSecretPosition(int index)
        {
            switch (Name)
            {
                case "AUTH":
                    return true;
                case "ACL":
                    return index >= 3 && string.Equals(ArgumentText(1), "SETUSER", StringComparison.OrdinalIgnoreCase);
                case "CONFIG":
                    // requirepass, masterauth, tls-key-file-pass...: the value after a parameter named for a secret.
                    return index >= 3 && string.Equals(ArgumentText(1), "SET", StringComparison.OrdinalIgnoreCase)
                        && (ArgumentText(index - 1).IndexOf("pass", StringComparison.OrdinalIgnoreCase) >= 0
                            || ArgumentText(index - 1).IndexOf("auth", StringComparison.OrdinalIgnoreCase) >= 0);
                default:
                    return false;
            }
        }

        private static bool IsAuthKeyword(string text)
            => string.Equals(text, "AUTH", StringComparison.OrdinalIgnoreCase) || string.Equals(text, "AUTH2", StringComparison.OrdinalIgnoreCase);
    }
}
