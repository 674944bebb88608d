using RedisCluster.Engine.Errors;

namespace RedisCluster.Engine.KeyCopy
{
    /// <summary>A copy that cannot start or cannot go on, with the reason as <see cref="Refusal"/>.</summary>
    public sealed class KeyCopyException : RedisException
    {
        public KeyCopyException(KeyCopyRefusal refusal, string message)
            : base(message)
        {
            Refusal = refusal;
        }

        public KeyCopyRefusal Refusal { get; }
    }
}
