using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Cluster
{
    /// <summary>
    /// The server's own description of its commands (the COMMAND reply). Key positions and fan-out policies
    /// come from here, never from a list in this code, so module commands and newer servers just work.
    /// </summary>
    public sealed class CommandTable
    {
        private readonly Dictionary<string, CommandInfo> _commands;

        // RedisCommand.Name is upper case already: an ordinal lookup spares a case-folding hash per command.
        private readonly Dictionary<string, CommandInfo> _byUpperName;

        public CommandTable(IEnumerable<CommandInfo> commands)
        {
            _commands = new Dictionary<string, CommandInfo>(StringComparer.OrdinalIgnoreCase);
            _byUpperName = new Dictionary<string, CommandInfo>(StringComparer.Ordinal);
            foreach (CommandInfo command in commands ?? throw new ArgumentNullException(nameof(commands)))
            {
                _commands[command.Name] = command;
                _byUpperName[command.Name.ToUpperInvariant()] = command;
            }

            Commands = new ReadableDictionary<string, CommandInfo>(_commands);
        }

        /// <summary>Top-level commands by name, case-insensitively.</summary>
        public IReadOnlyDictionary<string, CommandInfo> Commands { get; }

        public int Count => _commands.Count;

        public override string ToString() => Count.ToString(CultureInfo.InvariantCulture) + " commands";

        /// <summary>Parses the reply of COMMAND (or COMMAND INFO), RESP2 or RESP3.</summary>
        public static CommandTable Parse(RespValue commandReply)
        {
            ReplyShape.RequireAggregate(commandReply, "COMMAND");
            var commands = new List<CommandInfo>(commandReply.Items.Count);
            foreach (RespValue entry in commandReply.Items)
            {
                CommandInfo? info = CommandInfoParser.Parse(entry);
                if (info != null)
                {
                    commands.Add(info);
                }
            }

            return new CommandTable(commands);
        }

        public static async Task<CommandTable> LoadAsync(RedisConnection connection, CancellationToken cancellationToken = default)
        {
            if (connection == null)
            {
                throw new ArgumentNullException(nameof(connection));
            }

            RespValue reply = await connection.ExecuteAsync(RedisCommand.Create("COMMAND"), cancellationToken).ConfigureAwait(false);
            return Parse(reply);
        }

        /// <summary>
        /// Asks the server for a command's keys (COMMAND GETKEYS) and maps them back to argument indices,
        /// matching each returned key to the next argument with the same bytes. Use when
        /// <see cref="KeyExtraction.NeedsServerLookup"/> is set. The server names keys, not positions, so
        /// where a non-key argument equals a later key the index may name that argument instead; both hash
        /// to the same slot, so routing is unaffected.
        /// </summary>
        public static async Task<IReadOnlyList<int>> GetKeysFromServerAsync(RedisConnection connection, RedisCommand command, CancellationToken cancellationToken = default)
        {
            if (connection == null)
            {
                throw new ArgumentNullException(nameof(connection));
            }

            if (command == null)
            {
                throw new ArgumentNullException(nameof(command));
            }

            // Keys are arguments; a bare command name has none (and COMMAND GETKEYS would reject it for arity).
            if (command.Arguments.Count < 2)
            {
                return new int[0];
            }

            var arguments = new List<ReadOnlyMemory<byte>>(command.Arguments.Count + 2)
            {
                System.Text.Encoding.ASCII.GetBytes("COMMAND"),
                System.Text.Encoding.ASCII.GetBytes("GETKEYS"),
            };
            arguments.AddRange(command.Arguments);
            RespValue reply = await connection.ExecuteAsync(new RedisCommand(arguments), cancellationToken).ConfigureAwait(false);
            if (reply.IsError)
            {
                string message = reply.GetString() ?? string.Empty;
                if (message.IndexOf("has no key arguments", StringComparison.OrdinalIgnoreCase) >= 0)
                {
                    return new int[0];
                }

                throw new RedisServerErrorException(command.Scrub(message), "COMMAND GETKEYS " + command.ToDisplayString());
            }

            return MatchKeysToArguments(reply, command);
        }

        /// <summary>The entry for a command: for containers (CONFIG, OBJECT...), the subcommand named by the second argument.</summary>
        public CommandInfo? Find(RedisCommand command)
        {
            if (command == null || !_byUpperName.TryGetValue(command.Name, out CommandInfo? info))
            {
                return null;
            }

            if (info.Subcommands.Count > 0 && command.Arguments.Count > 1
                && info.Subcommands.TryGetValue(command.ArgumentText(1), out CommandInfo? sub))
            {
                return sub;
            }

            return info;
        }

        public CommandInfo? Find(string name) => name != null && _commands.TryGetValue(name, out CommandInfo? info) ? info : null;

        /// <summary><see cref="Find(string)"/> for a name already upper-cased (<see cref="CommandNames.Of"/>): an ordinal lookup, for every command the smart tunnel reads.</summary>
        internal CommandInfo? FindUpperCased(string name) => _byUpperName.TryGetValue(name, out CommandInfo? info) ? info : null;

        /// <summary>Where the command's keys are, from its key specs (or the legacy first/last/step range on servers before 7.0).</summary>
        public KeyExtraction GetKeys(RedisCommand command)
        {
            CommandInfo? info = Find(command);
            return info == null ? new KeyExtraction(null, null, null, needsServerLookup: false) : KeyLocator.Locate(info, command);
        }

        private static IReadOnlyList<int> MatchKeysToArguments(RespValue reply, RedisCommand command)
        {
            var used = new bool[command.Arguments.Count];
            var indices = new List<int>(reply.Items.Count);
            int previous = 0;
            foreach (RespValue key in reply.Items)
            {
                byte[] bytes = key.GetBytes() ?? new byte[0];

                // Keys usually come in argument order; look after the last match first, then anywhere.
                int found = FindArgument(command, bytes, used, previous + 1);
                if (found < 0)
                {
                    found = FindArgument(command, bytes, used, 1);
                }

                if (found < 0)
                {
                    throw new RedisException("COMMAND GETKEYS returned a key that is not among the arguments of " + command.ToDisplayString() + ".");
                }

                used[found] = true;
                indices.Add(found);
                previous = found;
            }

            return indices;
        }

        private static int FindArgument(RedisCommand command, byte[] key, bool[] used, int from)
        {
            for (int i = from; i < command.Arguments.Count; i++)
            {
                if (!used[i] && command.Arguments[i].Span.SequenceEqual(key))
                {
                    return i;
                }
            }

            return -1;
        }
    }
}
