using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace RedisCluster.Engine.Commands
{
    /// <summary>A command and its arguments, as the binary strings sent on the wire.</summary>
    public sealed class RedisCommand
    {
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
        internal RedisCommand(IReadOnlyList<ReadOnlyMemory<byte>> arguments, string name)
        {
            Arguments = arguments;
            Name = name;
        }

        /// <summary>A client's command whose name was already looked up (<see cref="CommandNames.Of"/>).</summary>
        internal static RedisCommand Create(byte[][] arguments, string name) => new RedisCommand(new ClientArguments(arguments), name);

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

        /// <summary>Which arguments carry secrets (worked out once, on first use).</summary>
        public SecretArguments Secrets => _secrets ??= SecretArguments.Of(this);

        private SecretArguments? _secrets;

        /// <summary>
        /// The command as text for messages and logs, with the arguments that carry secrets
        /// (<see cref="SecretArguments"/>) masked.
        /// </summary>
        public string ToDisplayString(int maxArgumentLength = 64)
        {
            var sb = new StringBuilder();
            for (int i = 0; i < Arguments.Count; i++)
            {
                if (i > 0)
                {
                    sb.Append(' ');
                }

                sb.Append(DisplayArgument(i, maxArgumentLength));
            }

            return sb.ToString();
        }

        /// <summary>One argument as text for a message: masked when it carries a secret, quoted when it needs it.</summary>
        public string DisplayArgument(int index, int maxArgumentLength = 64)
        {
            if (Secrets.IsSecret(index))
            {
                return SecretArguments.Mask;
            }

            string text = ArgumentText(index);
            string suffix = string.Empty;
            bool quote = text.Length == 0 || text.IndexOfAny(new[] { ' ', '"', '\'', '\n', '\r', '\t' }) >= 0;
            if (text.Length > maxArgumentLength)
            {
                text = text.Substring(0, maxArgumentLength);
                suffix = "...(" + Arguments[index].Length.ToString(CultureInfo.InvariantCulture) + " bytes)";
            }

            return (quote ? "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n").Replace("\r", "\\r").Replace("\t", "\\t") + "\"" : text) + suffix;
        }

        /// <summary><paramref name="text"/> (a server's message, which may quote arguments back) with this command's secrets masked.</summary>
        public string Scrub(string text) => Secrets.Scrub(this, text);

        public override string ToString() => ToDisplayString();
    }
}
