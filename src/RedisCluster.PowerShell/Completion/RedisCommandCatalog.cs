using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using RedisCluster.Engine.Cluster;

namespace RedisCluster.PowerShell.Completion
{
    /// <summary>
    /// The command names a completer offers: a server's own COMMAND table, or the Redis 7.0 list that ships
    /// with the module (RedisCommands.txt) when no server can be asked. Summaries, for tooltips, come from
    /// the shipped list whichever the source.
    /// </summary>
    internal sealed class RedisCommandCatalog
    {
        private static readonly Lazy<RedisCommandCatalog> BuiltInCatalog = new Lazy<RedisCommandCatalog>(LoadBuiltIn);

        private readonly SortedDictionary<string, SortedSet<string>> _subcommands;

        private RedisCommandCatalog(SortedDictionary<string, SortedSet<string>> subcommands, Dictionary<string, string> summaries)
        {
            _subcommands = subcommands;
            SummaryByName = summaries;
        }

        /// <summary>The list shipped with the module, from COMMAND DOCS of redis-server 7.0.15.</summary>
        public static RedisCommandCatalog BuiltIn => BuiltInCatalog.Value;

        /// <summary>Command names, upper case, in order.</summary>
        public IEnumerable<string> Commands => _subcommands.Keys;

        private Dictionary<string, string> SummaryByName { get; }

        public static RedisCommandCatalog FromTable(CommandTable table)
        {
            var commands = NewIndex();
            foreach (CommandInfo command in table.Commands.Values)
            {
                commands[command.Name.ToUpperInvariant()] = new SortedSet<string>(
                    command.Subcommands.Keys.Select(sub => sub.ToUpperInvariant()), StringComparer.Ordinal);
            }

            return new RedisCommandCatalog(commands, new Dictionary<string, string>());
        }

        /// <summary>The subcommands of a container command (CLUSTER, CONFIG, CLIENT...), none for another command.</summary>
        public IEnumerable<string> SubcommandsOf(string command)
            => _subcommands.TryGetValue(command, out SortedSet<string>? subs) ? subs : Enumerable.Empty<string>();

        /// <summary>What a command ("GET") or subcommand ("CONFIG GET") does, or its name when the shipped list does not know it.</summary>
        public static string Describe(string name)
            => BuiltIn.SummaryByName.TryGetValue(name, out string? summary) && summary.Length > 0 ? name + ": " + summary : name;

        private static SortedDictionary<string, SortedSet<string>> NewIndex()
            => new SortedDictionary<string, SortedSet<string>>(StringComparer.OrdinalIgnoreCase);

        private static RedisCommandCatalog LoadBuiltIn()
        {
            var commands = NewIndex();
            var summaries = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            using Stream? stream = typeof(RedisCommandCatalog).Assembly.GetManifestResourceStream("RedisCluster.PowerShell.Completion.RedisCommands.txt");
            if (stream == null)
            {
                throw new InvalidOperationException("The module's command list (RedisCommands.txt) is missing from its assembly.");
            }

            using var reader = new StreamReader(stream);
            string? line;
            while ((line = reader.ReadLine()) != null)
            {
                if (line.Length == 0 || line[0] == '#')
                {
                    continue;
                }

                int tab = line.IndexOf('\t');
                string name = tab < 0 ? line : line.Substring(0, tab);
                summaries[name] = tab < 0 ? string.Empty : line.Substring(tab + 1);
                int space = name.IndexOf(' ');
                string container = space < 0 ? name : name.Substring(0, space);
                if (!commands.TryGetValue(container, out SortedSet<string>? subs))
                {
                    subs = new SortedSet<string>(StringComparer.Ordinal);
                    commands[container] = subs;
                }

                if (space >= 0)
                {
                    subs.Add(name.Substring(space + 1));
                }
            }

            return new RedisCommandCatalog(commands, summaries);
        }
    }
}
