namespace RedisCluster.Engine.KeyCopy
{
    /// <summary>One key that could not be copied (or, with Delete, not removed from the source), and why.</summary>
    public sealed class KeyCopyFailure
    {
        public KeyCopyFailure(string key, string sourceNode, string message)
        {
            Key = key;
            SourceNode = sourceNode;
            Message = message;
        }

        /// <summary>The key as text (UTF-8; other bytes shown as replacement characters).</summary>
        public string Key { get; }

        public string SourceNode { get; }

        public string Message { get; }

        public override string ToString() => "Key '" + Key + "' (on " + SourceNode + "): " + Message;
    }
}
