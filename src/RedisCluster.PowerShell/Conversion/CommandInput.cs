using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Text;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.PowerShell.Conversion
{
    /// <summary>
    /// Turns what a user passes as a command into wire arguments: a string is a command line parsed
    /// like redis-cli parses it; an array is the arguments, one element each; an object with a
    /// Command property contributes that property. Arrays anywhere else (an argument, -Key, an object's
    /// Arguments) are flattened into one argument per element, at any depth, as Redis arguments are flat;
    /// a byte array is one binary argument.
    /// </summary>
    internal static class CommandInput
    {
        /// <summary>Deeper nesting than this is a structure that refers to itself, not a list of arguments.</summary>
        private const int MaxNesting = 32;

        public static RedisCommand Build(object? command, object? key, object[]? extra)
        {
            var args = new List<ReadOnlyMemory<byte>>();
            AddCommand(args, Unwrap(command), key);

            if (extra != null)
            {
                foreach (object item in extra)
                {
                    AddFlattened(args, item, 0);
                }
            }

            if (args.Count == 0)
            {
                throw new ArgumentException("The command is empty.");
            }

            return new RedisCommand(args.ToArray());
        }

        /// <summary>Wire arguments from a value, flattened as command arguments are (one per array element, at any depth).</summary>
        public static List<ReadOnlyMemory<byte>> Flatten(object? value)
        {
            var args = new List<ReadOnlyMemory<byte>>();
            if (Unwrap(value) != null)
            {
                AddFlattened(args, value, 0);
            }

            return args;
        }

        /// <summary>Adds the command's words, then the key (so an object's own Arguments follow the key: SET k v).</summary>
        private static void AddCommand(List<ReadOnlyMemory<byte>> args, object? command, object? key)
        {
            AddWords(args, command);
            if (key != null)
            {
                AddFlattened(args, key, 0);
            }

            if (command is PSObject ps && ps.Properties["Command"] != null)
            {
                AddOptional(args, ps.Properties["Arguments"]?.Value ?? ps.Properties["ArgumentList"]?.Value);
            }
            else if (command is IDictionary map && map.Contains("Command"))
            {
                AddOptional(args, map.Contains("Arguments") ? map["Arguments"] : map.Contains("ArgumentList") ? map["ArgumentList"] : null);
            }
        }

        private static void AddOptional(List<ReadOnlyMemory<byte>> args, object? arguments)
        {
            if (Unwrap(arguments) != null)
            {
                AddFlattened(args, arguments, 0);
            }
        }

        /// <summary>The command's own words: a parsed line, one byte array, an array of arguments, or an object's Command property.</summary>
        private static void AddWords(List<ReadOnlyMemory<byte>> args, object? command)
        {
            switch (command)
            {
                case null:
                    throw new ArgumentException("The command is null.");
                case string line:
                    foreach (byte[] arg in CommandLineParser.Parse(line))
                    {
                        args.Add(arg);
                    }

                    return;
                case byte[] bytes:
                    args.Add(bytes);
                    return;
                case PSObject ps when ps.Properties["Command"] != null:
                    AddWords(args, Unwrap(ps.Properties["Command"].Value));
                    return;
                case IDictionary map when map.Contains("Command"):
                    AddWords(args, Unwrap(map["Command"]));
                    return;
                case IEnumerable list:
                    AddFlattened(args, list, 0);
                    return;
                default:
                    AddWords(args, ToText(command));
                    return;
            }
        }

        /// <summary>One argument, or one per element of an array (of arrays...), never one text joined from the elements.</summary>
        private static void AddFlattened(List<ReadOnlyMemory<byte>> args, object? value, int depth)
        {
            value = Unwrap(value);
            switch (value)
            {
                case null:
                case string _:
                case byte[] _:
                    args.Add(ToBytes(value));
                    return;
                case IDictionary _:
                case PSObject ps when ps.BaseObject is PSCustomObject:
                    throw new ArgumentException("Argument " + (args.Count + 1) + " is a " + (value is IDictionary ? "hash table" : "custom object")
                        + ", which has no single text form to send; pass its values (for example $table.Keys, $table.Values or $object.Name) instead.");
                case IEnumerable list:
                    if (depth >= MaxNesting)
                    {
                        throw new ArgumentException("Argument " + (args.Count + 1) + " is nested more than " + MaxNesting + " arrays deep.");
                    }

                    foreach (object? item in list)
                    {
                        AddFlattened(args, item, depth + 1);
                    }

                    return;
                default:
                    args.Add(ToBytes(value));
                    return;
            }
        }

        /// <summary>One value as one argument: a byte array as it is, anything else as UTF-8 text (Send-RedisMessage's messages).</summary>
        public static byte[] ToArgument(object? value) => ToBytes(Unwrap(value));

        private static object? Unwrap(object? value)
        {
            if (value is PSObject ps && !(ps.BaseObject is PSCustomObject))
            {
                return ps.BaseObject;
            }

            return value;
        }

        private static byte[] ToBytes(object? value)
        {
            switch (value)
            {
                case null:
                    return new byte[0];
                case byte[] bytes:
                    return bytes;
                case string text:
                    return Encoding.UTF8.GetBytes(text);
                default:
                    return Encoding.UTF8.GetBytes(ToText(value));
            }
        }

        private static string ToText(object value)
        {
            switch (value)
            {
                case double d:
                    return d.ToString("R", CultureInfo.InvariantCulture);
                case float f:
                    return f.ToString("R", CultureInfo.InvariantCulture);
                case IFormattable formattable:
                    return formattable.ToString(null, CultureInfo.InvariantCulture);
                default:
                    return LanguagePrimitives.ConvertTo<string>(value);
            }
        }
    }
}
