using System;
using System.Collections.Generic;
using System.Text;

namespace RedisCluster.Engine.Commands
{
    /// <summary>
    /// The one rule for which arguments of a command carry a secret, by position: every message that shows
    /// a command or any of its arguments (the command echo, errors, CROSSSLOT explanations and their key
    /// lists, logs, ShouldProcess text) asks this type, so no path can show what another path hides.
    /// It errs towards hiding: a key that happens to be named AUTH hides the argument after it.
    /// </summary>
    public sealed class SecretArguments
    {
        /// <summary>What a hidden argument shows as.</summary>
        public const string Mask = "****";

        private static readonly SecretArguments NoSecrets = new SecretArguments(null);

        // Null when the command has no secret argument (nearly every command): nothing allocated.
        private readonly bool[]? _secret;

        private SecretArguments(bool[]? secret)
        {
            _secret = secret;
        }

        /// <summary>True when at least one argument is hidden.</summary>
        public bool Any => _secret != null;

        /// <summary>True when argument <paramref name="index"/> (0 is the command name) carries a secret.</summary>
        public bool IsSecret(int index) => _secret != null && index >= 0 && index < _secret.Length && _secret[index];

        /// <summary>Finds the secret arguments of <paramref name="command"/>.</summary>
        public static SecretArguments Of(RedisCommand command)
        {
            if (command == null)
            {
                throw new ArgumentNullException(nameof(command));
            }

            var args = command.Arguments;
            bool[]? secret = null;
            void Hide(int index)
            {
                if (index > 0 && index < args.Count)
                {
                    secret ??= new bool[args.Count];
                    secret[index] = true;
                }
            }

            switch (command.Name)
            {
                case "AUTH":
                    // AUTH pass, AUTH user pass, or anything malformed: all of it.
                    for (int i = 1; i < args.Count; i++)
                    {
                        Hide(i);
                    }

                    break;
                case "HELLO":
                    // HELLO protover [AUTH user pass] [SETNAME name]
                    HideAfterAuthKeywords(args, 2, 2, Hide);
                    break;
                case "MIGRATE":
                    // MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH pass | AUTH2 user pass] [KEYS k...].
                    // Redis reads everything after KEYS as keys, so an AUTH2 written after KEYS is sent as key
                    // names: the user still meant it as a credential, so it is hidden wherever it stands.
                    HideAfterAuthKeywords(args, 6, 1, Hide);
                    break;
                case "ACL":
                    // ACL SETUSER name rule...: >pass and <pass add and remove a password, #hash and !hash a hash.
                    if (args.Count > 3 && Is(args[1], "SETUSER"))
                    {
                        for (int i = 3; i < args.Count; i++)
                        {
                            if (StartsWithSecretRule(args[i].Span))
                            {
                                Hide(i);
                            }
                        }
                    }

                    break;
                case "CONFIG":
                    // CONFIG SET name value [name value ...]: requirepass, masterauth, tls-key-file-pass...
                    if (args.Count > 3 && Is(args[1], "SET"))
                    {
                        HideSecretParameterValues(args, 2, Hide);
                    }

                    break;
                case "COMMAND":
                    // COMMAND GETKEYS <command...>: the inner command's secrets, two places further on.
                    if (args.Count > 2 && (Is(args[1], "GETKEYS") || Is(args[1], "GETKEYSANDFLAGS")))
                    {
                        var inner = new ReadOnlyMemory<byte>[args.Count - 2];
                        for (int i = 2; i < args.Count; i++)
                        {
                            inner[i - 2] = args[i];
                        }

                        SecretArguments innerSecrets = Of(new RedisCommand(inner));
                        for (int i = 1; i < inner.Length; i++)
                        {
                            if (innerSecrets.IsSecret(i))
                            {
                                Hide(i + 2);
                            }
                        }
                    }

                    break;
                case "SENTINEL":
                    // SENTINEL SET master name value ... (auth-pass) and SENTINEL CONFIG SET name value (sentinel-pass).
                    if (args.Count > 4 && Is(args[1], "SET"))
                    {
                        HideSecretParameterValues(args, 3, Hide);
                    }
                    else if (args.Count > 3 && Is(args[1], "CONFIG") && Is(args[2], "SET"))
                    {
                        HideSecretParameterValues(args, 3, Hide);
                    }

                    break;
            }

            return secret == null ? NoSecrets : new SecretArguments(secret);
        }

        /// <summary>
        /// <paramref name="text"/> (typically a server's error message, which can quote an argument back)
        /// with every secret argument of <paramref name="command"/> replaced by the mask.
        /// </summary>
        public string Scrub(RedisCommand command, string text)
        {
            if (_secret == null || string.IsNullOrEmpty(text))
            {
                return text;
            }

            var sb = new StringBuilder(text);
            for (int i = 1; i < _secret.Length; i++)
            {
                if (_secret[i] && command.Arguments[i].Length > 0)
                {
                    sb.Replace(command.ArgumentText(i), Mask);
                }
            }

            return sb.ToString();
        }

        /// <param name="authArity">Arguments after AUTH: the password (MIGRATE), or user and password (HELLO).</param>
        private static void HideAfterAuthKeywords(IReadOnlyList<ReadOnlyMemory<byte>> args, int from, int authArity, Action<int> hide)
        {
            for (int i = from; i < args.Count; i++)
            {
                if (Is(args[i], "AUTH"))
                {
                    for (int j = 1; j <= authArity; j++)
                    {
                        hide(i + j);
                    }

                    i += authArity;
                }
                else if (Is(args[i], "AUTH2"))
                {
                    hide(i + 1);
                    hide(i + 2);
                    i += 2;
                }
            }
        }

        private static void HideSecretParameterValues(IReadOnlyList<ReadOnlyMemory<byte>> args, int firstName, Action<int> hide)
        {
            for (int i = firstName; i + 1 < args.Count; i += 2)
            {
                string name = Encoding.UTF8.GetString(args[i].ToArray());
                if (name.IndexOf("pass", StringComparison.OrdinalIgnoreCase) >= 0 || name.IndexOf("auth", StringComparison.OrdinalIgnoreCase) >= 0)
                {
                    hide(i + 1);
                }
            }
        }

        private static bool StartsWithSecretRule(ReadOnlySpan<byte> rule)
            => rule.Length > 0 && (rule[0] == (byte)'>' || rule[0] == (byte)'<' || rule[0] == (byte)'#' || rule[0] == (byte)'!');

        // Compared in place: arguments can be passwords, which must not end up in a cache of names.
        private static bool Is(ReadOnlyMemory<byte> arg, string word)
        {
            ReadOnlySpan<byte> bytes = arg.Span;
            if (bytes.Length != word.Length)
            {
                return false;
            }

            for (int i = 0; i < bytes.Length; i++)
            {
                int b = bytes[i];
                if ((b >= 'a' && b <= 'z' ? b - 32 : b) != word[i])
                {
                    return false;
                }
            }

            return true;
        }
    }
}
