using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using RedisCluster.PowerShell.Tunnel;

namespace RedisCluster.PowerShell.Completion
{
    /// <summary>Completes the names of the tunnels running in this process.</summary>
    public sealed class TunnelNameCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string prefix = (wordToComplete ?? string.Empty).Trim('\'', '"');
            return TunnelRegistry.All()
                .Where(tunnel => tunnel.Name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                .GroupBy(tunnel => tunnel.Name, StringComparer.OrdinalIgnoreCase)
                .OrderBy(group => group.Key, StringComparer.OrdinalIgnoreCase)
                .Select(group => new CompletionResult(Quoted(group.Key), group.Key, CompletionResultType.ParameterValue, group.First().ToString()))
                .ToList();
        }

        /// <summary>A name as it can be typed: in single quotes when it has characters PowerShell would read otherwise.</summary>
        private static string Quoted(string name)
            => name.Any(c => char.IsWhiteSpace(c) || "'\"`$&@(){};,|<>#".IndexOf(c) >= 0)
                ? "'" + name.Replace("'", "''") + "'"
                : name;
    }
}
