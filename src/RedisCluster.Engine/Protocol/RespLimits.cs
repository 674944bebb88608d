namespace RedisCluster.Engine.Protocol
{
    /// <summary>
    /// Bounds applied while parsing, so that a hostile or broken peer cannot make the reader
    /// allocate without limit or recurse without end.
    /// </summary>
    public sealed class RespLimits
    {
        public static readonly RespLimits Default = new RespLimits();

        /// <summary>Largest bulk string accepted (Redis's own proto-max-bulk-len default is 512 MB).</summary>
        public long MaxBulkLength { get; set; } = 512L * 1024 * 1024;

        /// <summary>Largest element count accepted in one aggregate header.</summary>
        public long MaxAggregateLength { get; set; } = int.MaxValue;

        /// <summary>Deepest nesting of aggregates accepted.</summary>
        public int MaxDepth { get; set; } = 64;

        /// <summary>Longest simple line (simple string, error, number) accepted, CRLF excluded.</summary>
        public int MaxLineLength { get; set; } = 64 * 1024;

        /// <summary>
        /// Largest whole frame accepted. A frame still incomplete past this size is rejected, which bounds
        /// what a reader ever buffers for one frame.
        /// </summary>
        public long MaxFrameLength { get; set; } = 1024L * 1024 * 1024;

        public override string ToString()
            => "bulk " + Size(MaxBulkLength) + ", frame " + Size(MaxFrameLength) + ", depth " + MaxDepth.ToString(System.Globalization.CultureInfo.InvariantCulture)
               + ", line " + Size(MaxLineLength) + ", aggregate " + MaxAggregateLength.ToString(System.Globalization.CultureInfo.InvariantCulture);

        private static string Size(long bytes)
            => bytes % (1024 * 1024) == 0 ? (bytes / (1024 * 1024)).ToString(System.Globalization.CultureInfo.InvariantCulture) + " MB"
               : bytes % 1024 == 0 ? (bytes / 1024).ToString(System.Globalization.CultureInfo.InvariantCulture) + " KB"
               : bytes.ToString(System.Globalization.CultureInfo.InvariantCulture) + " bytes";
    }
}
