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
            AddCommand(args, Unwrap(command));
            if (key != null)
            {
                args.Add(ToBytes(Unwrap(key)));
            }

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

        private static void AddCommand(List<ReadOnlyMemory<byte>> args, object? command)
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
                    AddCommand(args, Unwrap(ps.Properties["Command"].Value));
                    object? arguments = ps.Properties["Arguments"]?.Value ?? ps.Properties["ArgumentList"]?.Value;
                    if (Unwrap(arguments) is IEnumerable extra && !(Unwrap(arguments) is string))
                    {
                        foreach (object item in extra)
                        {
                            args.Add(ToBytes(Unwrap(item)));
                        }
                    }
                    else if (arguments != null)
                    {
                        args.Add(ToBytes(Unwrap(arguments)));
                    }

                    return;
                case IDictionary map when map.Contains("Command"):
                    AddCommand(args, Unwrap(map["Command"]));
                    if (map.Contains("Arguments") && Unwrap(map["Arguments"]) is IEnumerable more && !(Unwrap(map["Arguments"]) is string))
                    {
                        foreach (object item in more)
                        {
                            args.Add(ToBytes(Unwrap(item)));
                        }
                    }

                    return;
                case IEnumerable list:
                    foreach (object item in list)
                    {
                        args.Add(ToBytes(Unwrap(item)));
                    }

                    return;
                default:
                    AddCommand(args, ToText(command));
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
