using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Reflection;

namespace RedisCluster.PowerShell.Binding
{
    /// <summary>
    /// Finds the parameter tokens of an invocation that match none of the command's parameters. PowerShell
    /// hands such a token (a misspelled -Endpiont) to a ValueFromRemainingArguments parameter as the plain
    /// string "-Endpiont", exactly as it hands over a quoted '-Endpiont', so the value cannot tell them
    /// apart: the invocation's own syntax tree can. Tokens from a splatted $args (a wrapper function) carry
    /// the note property PowerShell adds for splatting; keys of a splatted hash table are parameter names.
    /// </summary>
    internal static class UnmatchedParameterTokens
    {
        /// <summary>The note PowerShell puts on the parameter tokens in a script's $args, so that @args rebinds them as parameters.</summary>
        private const string SplattedParameterNote = "<CommandParameterName>";

        /// <summary>InvocationInfo.Statement (PowerShell 7): the whole text of the command, even over several lines.</summary>
        private static readonly PropertyInfo? StatementProperty = typeof(InvocationInfo).GetProperty("Statement");

        /// <summary>The names (without the dash) of the parameter tokens that no parameter, alias or abbreviation of the command matches.</summary>
        public static List<string> Find(InvocationInfo invocation, SessionState session)
        {
            var unmatched = new List<string>();
            CommandAst? command = FindCommandAst(invocation);
            if (command == null)
            {
                return unmatched;
            }

            ICollection<ParameterMetadata> parameters = invocation.MyCommand.Parameters.Values;
            foreach (CommandElementAst element in command.CommandElements.Skip(1))
            {
                foreach (string name in ParameterNames(element, session))
                {
                    if (!Matches(name, parameters))
                    {
                        unmatched.Add(name);
                    }
                }
            }

            return unmatched;
        }

        /// <summary>The parameter names an element of the command line stands for (none for an argument).</summary>
        private static IEnumerable<string> ParameterNames(CommandElementAst element, SessionState session)
        {
            switch (element)
            {
                // "--" is a parameter token named "-": it ends the parameters and is never bound.
                case CommandParameterAst parameter when parameter.ParameterName != "-":
                    return new[] { parameter.ParameterName };
                case VariableExpressionAst variable when variable.Splatted:
                    return SplattedNames(session.PSVariable.GetValue(variable.VariablePath.UserPath));
                default:
                    return Array.Empty<string>();
            }
        }

        private static IEnumerable<string> SplattedNames(object? value)
        {
            object? splatted = value is PSObject wrapped ? wrapped.BaseObject : value;
            if (splatted is IDictionary table)
            {
                foreach (object? key in table.Keys)
                {
                    if (key != null)
                    {
                        yield return key.ToString() ?? string.Empty;
                    }
                }
            }
            else if (splatted is IEnumerable items && !(splatted is string))
            {
                foreach (object? item in items)
                {
                    if (item is PSObject ps && ps.Properties[SplattedParameterNote]?.Value is string name)
                    {
                        yield return name;
                    }
                }
            }
        }

        /// <summary>Whether PowerShell binds the name itself: a parameter's or alias's full name or the start of one.</summary>
        private static bool Matches(string name, ICollection<ParameterMetadata> parameters)
        {
            if (name.Length == 0)
            {
                return true;
            }

            foreach (ParameterMetadata parameter in parameters)
            {
                if (parameter.Name.StartsWith(name, StringComparison.OrdinalIgnoreCase)
                    || parameter.Aliases.Any(alias => alias.StartsWith(name, StringComparison.OrdinalIgnoreCase)))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>
        /// The command's syntax tree, parsed again from the text of the invocation: Statement on PowerShell 7,
        /// the command's line on Windows PowerShell 5.1 (where a command continued over lines shows only its
        /// first line). Null when the command was not typed (added through the PowerShell API).
        /// </summary>
        private static CommandAst? FindCommandAst(InvocationInfo invocation)
        {
            string? statement = StatementProperty?.GetValue(invocation) as string;
            if (!string.IsNullOrEmpty(statement))
            {
                Ast parsed = Parser.ParseInput(statement, out _, out _);
                return parsed.Find(ast => ast is CommandAst, searchNestedScriptBlocks: true) as CommandAst;
            }

            if (string.IsNullOrEmpty(invocation.Line) || invocation.OffsetInLine < 1)
            {
                return null;
            }

            Ast line = Parser.ParseInput(invocation.Line, out _, out _);
            return line.Find(ast => ast is CommandAst && ast.Extent.StartLineNumber == 1 && ast.Extent.StartColumnNumber == invocation.OffsetInLine,
                searchNestedScriptBlocks: true) as CommandAst;
        }
    }
}
