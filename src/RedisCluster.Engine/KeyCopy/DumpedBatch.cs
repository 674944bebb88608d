namespace RedisCluster.Engine.KeyCopy
{
    /// <summary>A batch of dumped keys and when their PTTLs were read (a <see cref="System.Diagnostics.Stopwatch"/> timestamp).</summary>
    internal sealed class DumpedBatch
    {
        public DumpedBatch(DumpedKey[] keys, long receivedAt)
        {
            Keys = keys;
            ReceivedAt = receivedAt;
        }

        public DumpedKey[] Keys { get; }

        public long ReceivedAt { get; }
    }
}
