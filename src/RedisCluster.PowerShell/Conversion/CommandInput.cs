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
    /// Command property contributes that property.
    /// </summary>
    internal static class CommandInput
    {
        public static RedisCommand Build(object? command, object? key, object[]? extra)
        {
            var args = new List<ReadOnlyMemory<byte>>();
            AddCommand(args, Unwrap(command), key);

            if (extra != null)
            {
                foreach (object item in extra)
                {
                    args.Add(ToBytes(Unwrap(item)));
                }
            }

            if (args.Count == 0)
            {
                throw new ArgumentException("The command is empty.");
            }

            return new RedisCommand(args.ToArray());
        }

        /// <summary>Adds the command's words, then the key (so an object's own Arguments follow the key: SET k v).</summary>
        private static void AddCommand(List<ReadOnlyMemory<byte>> args, object? command, object? key)
        {
            AddWords(args, command);
            if (key != null)
            {
                args.Add(ToBytes(Unwrap(key)));
            }

            if (Unwrap(command) is PSObject ps && ps.Properties["Command"] != null)
            {
                object? arguments = ps.Properties["Arguments"]?.Value ?? ps.Properties["ArgumentList"]?.Value;
                AddArguments(args, arguments);
            }
            else if (Unwrap(command) is IDictionary map && map.Contains("Command"))
            {
                AddArguments(args, map.Contains("Arguments") ? map["Arguments"] : map.Contains("ArgumentList") ? map["ArgumentList"] : null);
            }
        }

        private static void AddArguments(List<ReadOnlyMemory<byte>> args, object? arguments)
        {
            object? value = Unwrap(arguments);
            if (value == null)
            {
                return;
            }

            if (value is IEnumerable list && !(value is string) && !(value is byte[]))
            {
                foreach (object item in list)
                {
                    args.Add(ToBytes(Unwrap(item)));
                }
            }
            else
            {
                args.Add(ToBytes(value));
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
                    foreach (object item in list)
                    {
                        args.Add(ToBytes(Unwrap(item)));
                    }

                    return;
                default:
                    AddWords(args, ToText(command));
                    return;
            }
        }

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
