using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using RedisCluster.Engine.Client;
using RedisCluster.PowerShell.Session;

namespace RedisCluster.PowerShell.Completion
{
    /// <summary>Completes Redis command names from the connected server's own COMMAND list.</summary>
    public sealed class CommandNameCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            RedisClient? client = fakeBoundParameters["Connection"] as RedisClient
                ?? (fakeBoundParameters["Connection"] as PSObject)?.BaseObject as RedisClient
                ?? RedisSessionState.GetDefault();
            if (client == null)
            {
                return Array.Empty<CompletionResult>();
            }

            IEnumerable<string> names;
            try
            {
                var table = client.GetCommandTableAsync();
                if (!table.Wait(TimeSpan.FromSeconds(2)))
                {
                    return Array.Empty<CompletionResult>();
                }

                names = table.Result.Commands.Keys;
            }
            catch (AggregateException)
            {
                return Array.Empty<CompletionResult>();
            }

            string prefix = (wordToComplete ?? string.Empty).Trim('\'', '"');
            return names
                .Select(n => n.ToUpperInvariant())
                .Where(n => n.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                .OrderBy(n => n, StringComparer.Ordinal)
                .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n));
        }
    }
}
