namespace RedisCluster.Engine.KeyCopy
{
    /// <summary>Why a copy refused to start or stopped as a whole; the PowerShell layer picks an error category from it.</summary>
    public enum KeyCopyRefusal
    {
        /// <summary>Source and destination are the same server (and database): a copy onto itself.</summary>
        SameServer,

        /// <summary>The destination rejects the DUMP format of the source (a payload from a newer Redis).</summary>
        IncompatiblePayload,
    }
}
