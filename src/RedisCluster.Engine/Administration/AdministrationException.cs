using System;
using RedisCluster.Engine.Errors;

namespace RedisCluster.Engine.Administration
{
    /// <summary>A refused or failed administration step, naming the node it concerns.</summary>
    public sealed class AdministrationException : RedisException
    {
        public AdministrationException(AdministrationFailure failure, string? node, string message, Exception? inner = null)
            : base(message, inner)
        {
            Failure = failure;
            Node = node;
        }

        public AdministrationFailure Failure { get; }

        /// <summary>The endpoint (or id) of the node the failure concerns; null when it concerns the whole request.</summary>
        public string? Node { get; }
    }
}
