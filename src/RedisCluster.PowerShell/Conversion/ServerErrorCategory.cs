using System;
using System.Management.Automation;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.PowerShell.Conversion
{
    /// <summary>Chooses the ErrorCategory for a Redis error reply from its prefix and text.</summary>
    internal static class ServerErrorCategory
    {
        public static ErrorCategory For(string prefix, string message)
        {
            switch (ErrorReplyClassifier.ClassifyText(prefix))
            {
                case ErrorReplyKind.WrongType:
                    return ErrorCategory.InvalidType;
                case ErrorReplyKind.NoAuth:
                case ErrorReplyKind.NoPerm:
                case ErrorReplyKind.WrongPass:
                    return ErrorCategory.PermissionDenied;
                case ErrorReplyKind.OutOfMemory:
                    return ErrorCategory.LimitsExceeded;
                case ErrorReplyKind.ReadOnly:
                    return ErrorCategory.WriteError;
                case ErrorReplyKind.Loading:
                case ErrorReplyKind.Busy:
                case ErrorReplyKind.TryAgain:
                case ErrorReplyKind.ClusterDown:
                case ErrorReplyKind.MasterDown:
                    return ErrorCategory.ResourceUnavailable;
                case ErrorReplyKind.CrossSlot:
                case ErrorReplyKind.ExecAbort:
                    return ErrorCategory.InvalidOperation;
                case ErrorReplyKind.NoScript:
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
