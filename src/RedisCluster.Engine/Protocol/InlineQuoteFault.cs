namespace RedisCluster.Engine.Protocol
{
    /// <summary>What is wrong with the quotes of a line that <see cref="InlineArguments"/> refuses.</summary>
    public enum InlineQuoteFaultKind
    {
        /// <summary>A quote opens and the line ends before it closes.</summary>
        NeverClosed,

        /// <summary>A closing quote is followed by more text instead of a blank or the end.</summary>
        TextAfterClosingQuote,
    }

    /// <summary>A quoting fault: its kind, the quote character, and the byte index of the offending quote in the line.</summary>
    public sealed class InlineQuoteFault
    {
        public InlineQuoteFault(InlineQuoteFaultKind kind, char quote, int index)
        {
            Kind = kind;
            Quote = quote;
            Index = index;
        }

        public InlineQuoteFaultKind Kind { get; }

        public char Quote { get; }

        /// <summary>Zero-based byte index of the opening quote (never closed) or the closing quote (text after it).</summary>
        public int Index { get; }
    }
}
