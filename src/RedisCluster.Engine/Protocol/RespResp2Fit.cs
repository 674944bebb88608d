using System.Buffers;

namespace RedisCluster.Engine.Protocol
{
    /// <summary>Whether a server's reply, as bytes, is already what a RESP2 client may read.</summary>
    internal static class RespResp2Fit
    {
        /// <summary>
        /// True when <paramref name="reply"/>, one whole reply, holds only types RESP2 has (simple strings, errors,
        /// integers, bulk strings and arrays, nulls in their RESP2 forms): then a RESP3 connection's bytes can go to a
        /// RESP2 client as they are. Walked with the stream scanner, so any depth is fine.
        /// </summary>
        public static bool Fits(byte[] reply, RespLimits limits)
        {
            var scanner = new RespStreamScanner(limits, RespStreamKind.Replies);
            var reader = new RespBufferReader(new ReadOnlySequence<byte>(reply));
            do
            {
                RespScanStep step = scanner.Next(ref reader, out RespElement element);
                if (step == RespScanStep.NeedMore)
                {
                    return false;
                }

                if (step == RespScanStep.Element && !IsResp2(element.Type))
                {
                    return false;
                }
            }
            while (scanner.InFrame || scanner.InPayload);

            return reader.End;
        }

        private static bool IsResp2(RespType type)
            => type == RespType.SimpleString || type == RespType.Error || type == RespType.Integer || type == RespType.BulkString || type == RespType.Array;
    }
}
