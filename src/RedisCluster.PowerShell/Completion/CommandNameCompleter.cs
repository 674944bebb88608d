using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace RedisCluster.PowerShell.Completion
{
    /// <summary>Completes Redis command names from the server the command line names, the session's server, or the shipped Redis 7.0 list.</summary>
    public sealed class CommandNameCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string prefix = (wordToComplete ?? string.Empty).Trim('\'', '"');
            return CommandCatalogSource.For(fakeBoundParameters).Commands
                .Where(name => name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                .Select(name => new CompletionResult(name, name, CompletionResultType.ParameterValue, RedisCommandCatalog.Describe(name)))
                .ToList();
        }
    }
}
