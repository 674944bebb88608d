using System;
using RedisCluster.Engine;

namespace RedisCluster.PowerShell.Output
{
    /// <summary>What Invoke-RedisCommand -Detailed emits: the reply with its context.</summary>
    public sealed class RedisDetailedReply
    {
        public RedisDetailedReply(string command, object? value, string type, string endpoint, int? slot, TimeSpan elapsed, bool isError)
        {
            Command = command;
            Value = Readable(value);
            Type = type;
            Endpoint = endpoint;
            Slot = slot;
            Elapsed = elapsed;
            IsError = isError;
        }

        /// <summary>The reply converted as without -Detailed; an array reply is a list whose text is its items.</summary>
        public object? Value { get; }

        /// <summary>The command as sent, with secrets redacted.</summary>
        public string Command { get; }

        /// <summary>The RESP type of the reply (BulkString, Integer, Map...).</summary>
        public string Type { get; }

        /// <summary>The node that served the command.</summary>
        public string Endpoint { get; }

        /// <summary>The hash slot the command was routed by (cluster only).</summary>
        public int? Slot { get; }

        public TimeSpan Elapsed { get; }

        public bool IsError { get; }

        /// <summary>
        /// Arrays (nested ones too) as lists whose text is their items joined, so a CSV cell or a list view
        /// shows "a, b, c" instead of the array's type name; serializers still see a list.
        /// </summary>
        internal static object? Readable(object? value)
        {
            if (!(value is object?[] items))
            {
                return value;
            }

            var converted = new object?[items.Length];
            for (int i = 0; i < items.Length; i++)
            {
                converted[i] = Readable(items[i]);
            }

            return new ReadableList<object?>(converted, ", ");
        }
    }
}
