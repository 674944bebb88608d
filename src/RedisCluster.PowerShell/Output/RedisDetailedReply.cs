using System;

namespace RedisCluster.PowerShell.Output
{
    /// <summary>What Invoke-RedisCommand -Detailed emits: the reply with its context.</summary>
    public sealed class RedisDetailedReply
    {
        public RedisDetailedReply(string command, object? value, string type, string endpoint, int? slot, TimeSpan elapsed, bool isError)
        {
            Command = command;
            Value = value;
            Type = type;
            Endpoint = endpoint;
            Slot = slot;
            Elapsed = elapsed;
            IsError = isError;
        }

        /// <summary>The command as sent, with secrets redacted.</summary>
        public string Command { get; }

        public object? Value { get; }

        /// <summary>The RESP type of the reply (BulkString, Integer, Map...).</summary>
        public string Type { get; }

        /// <summary>The node that served the command.</summary>
        public string Endpoint { get; }

        /// <summary>The hash slot the command was routed by (cluster only).</summary>
        public int? Slot { get; }

        public TimeSpan Elapsed { get; }

        public bool IsError { get; }
    }
}
