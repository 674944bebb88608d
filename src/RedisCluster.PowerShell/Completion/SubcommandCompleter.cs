using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Reflection;
using RedisCluster.PowerShell.Commands;

namespace RedisCluster.PowerShell.Completion
{
    /// <summary>
    /// Completes the word after a container command (CLUSTER, CONFIG, CLIENT...), which binds to
    /// Invoke-RedisCommand's -ArgumentList, with that command's subcommands. Later arguments get nothing
    /// from here, so PowerShell's own completion applies to them.
    /// </summary>
    public sealed class SubcommandCompleter : IArgumentCompleter
    {
        /// <summary>Whether each parameter takes no value, which decides whether the word after it is its value.</summary>
        private static readonly Lazy<Dictionary<string, bool>> Parameters = new Lazy<Dictionary<string, bool>>(FindParameters);

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            object? command = fakeBoundParameters.Contains("Command") ? fakeBoundParameters["Command"] : null;
            if (!((command is PSObject ps ? ps.BaseObject : command) is string container)
                || ArgumentIndex(commandAst, wordToComplete ?? string.Empty) != 0)
            {
                return Array.Empty<CompletionResult>();
            }

            container = container.Trim();
            string prefix = (wordToComplete ?? string.Empty).Trim('\'', '"');
            return CommandCatalogSource.For(fakeBoundParameters).SubcommandsOf(container)
                .Where(sub => sub.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                .Select(sub => new CompletionResult(sub, sub, CompletionResultType.ParameterValue,
                    RedisCommandCatalog.Describe(container.ToUpperInvariant() + " " + sub)))
                .ToList();
        }

        /// <summary>
        /// Which element of -ArgumentList the word being completed is (0 for the first): the words on the line
        /// that are not parameters or their values, less the command itself when it was given by position.
        /// The word is taken to be the last on the line, where Tab is pressed almost always.
        /// </summary>
        private static int ArgumentIndex(CommandAst commandAst, string wordToComplete)
        {
            var elements = commandAst.CommandElements;
            int positional = 0;
            bool commandByName = false;
            bool parametersEnded = false;
            for (int i = 1; i < elements.Count; i++)
            {
                if (!parametersEnded && elements[i] is CommandParameterAst parameter)
                {
                    parametersEnded = parameter.ParameterName == "-";
                    commandByName |= string.Equals(parameter.ParameterName, "Command", StringComparison.OrdinalIgnoreCase);
                    if (!parametersEnded && parameter.Argument == null && !IsSwitch(parameter.ParameterName))
                    {
                        i++;
                    }

                    continue;
                }

                positional++;
            }

            // A word being typed is on the line already; an empty one (Tab after a space) comes after everything.
            int index = wordToComplete.Length > 0 ? positional - 1 : positional;
            return commandByName ? index : index - 1;
        }

        /// <summary>Whether a parameter as typed (full name, alias or abbreviation) takes no value.</summary>
        private static bool IsSwitch(string typed)
        {
            if (Parameters.Value.TryGetValue(typed, out bool isSwitch))
            {
                return isSwitch;
            }

            var candidates = Parameters.Value.Where(p => p.Key.StartsWith(typed, StringComparison.OrdinalIgnoreCase)).Select(p => p.Value).Distinct().ToList();
            return candidates.Count == 1 && candidates[0];
        }

        /// <summary>Every parameter name and alias of Invoke-RedisCommand, common parameters included, and whether it is a switch.</summary>
        private static Dictionary<string, bool> FindParameters()
        {
            var names = new Dictionary<string, bool>(StringComparer.OrdinalIgnoreCase);
            foreach (string name in new[] { "Verbose", "vb", "Debug", "db", "WhatIf", "wi", "Confirm", "cf" })
            {
                names[name] = true;
            }

            foreach (string name in new[] { "ErrorAction", "ea", "WarningAction", "wa", "InformationAction", "infa", "ProgressAction", "proga",
                "ErrorVariable", "ev", "WarningVariable", "wv", "InformationVariable", "iv", "OutVariable", "ov", "OutBuffer", "ob", "PipelineVariable", "pv" })
            {
                names[name] = false;
            }

            foreach (PropertyInfo property in typeof(InvokeRedisCommandCommand).GetProperties())
            {
                if (property.IsDefined(typeof(ParameterAttribute)))
                {
                    bool isSwitch = property.PropertyType == typeof(SwitchParameter);
                    names[property.Name] = isSwitch;
                    foreach (AliasAttribute alias in property.GetCustomAttributes<AliasAttribute>())
                    {
                        foreach (string name in alias.AliasNames)
                        {
                            names[name] = isSwitch;
                        }
                    }
                }
            }

            return names;
        }
    }
}
