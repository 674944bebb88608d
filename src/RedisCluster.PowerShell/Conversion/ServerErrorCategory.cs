using System;
using System.Management.Automation;

namespace RedisCluster.PowerShell.Conversion
{
    /// <summary>Chooses the ErrorCategory for a Redis error reply from its prefix and text.</summary>
    internal static class ServerErrorCategory
    {
        public static ErrorCategory For(string prefix, string message)
        {
            switch (prefix)
            {
                case "WRONGTYPE":
                    return ErrorCategory.InvalidType;
                case "NOAUTH":
                case "NOPERM":
                case "WRONGPASS":
                    return ErrorCategory.PermissionDenied;
                case "OOM":
                    return ErrorCategory.LimitsExceeded;
                case "READONLY":
                    return ErrorCategory.WriteError;
                case "LOADING":
                case "BUSY":
                case "TRYAGAIN":
                case "CLUSTERDOWN":
                case "MASTERDOWN":
                    return ErrorCategory.ResourceUnavailable;
                case "CROSSSLOT":
                case "EXECABORT":
                    return ErrorCategory.InvalidOperation;
                case "NOSCRIPT":
                    return ErrorCategory.ObjectNotFound;
            }

            if (message.IndexOf("unknown command", StringComparison.OrdinalIgnoreCase) >= 0
                || message.IndexOf("unknown subcommand", StringComparison.OrdinalIgnoreCase) >= 0)
            {
                return ErrorCategory.ObjectNotFound;
            }

            if (message.IndexOf("wrong number of arguments", StringComparison.OrdinalIgnoreCase) >= 0
                || message.IndexOf("syntax error", StringComparison.OrdinalIgnoreCase) >= 0
                || message.IndexOf("not an integer", StringComparison.OrdinalIgnoreCase) >= 0
                || message.IndexOf("not a valid", StringComparison.OrdinalIgnoreCase) >= 0
                || message.IndexOf("out of range", StringComparison.OrdinalIgnoreCase) >= 0)
            {
                return ErrorCategory.InvalidArgument;
            }

            return ErrorCategory.InvalidOperation;
        }
    }
}
