using System.Buffers;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Tunnel.Relay
{
    /// <summary>What both relay filters do with the bytes they pass: copy a range on, and check the CRLF after a payload.</summary>
    internal static class RelayBytes
    {
        public static long Copy(ReadOnlySequence<byte> input, long start, long length, IBufferWriter<byte> output)
        {
            if (length <= 0)
            {
                return 0;
            }

            foreach (System.ReadOnlyMemory<byte> segment in input.Slice(start, length))
            {
                output.Write(segment.Span);
            }

            return length;
        }

        /// <summary>
        /// Reads what is left of the CRLF after a payload (<paramref name="crlfLeft"/> bytes of it); false when the
        /// input ends first. <paramref name="safe"/> follows every byte read.
        /// </summary>
        public static bool ReadCrLf(ref RespBufferReader reader, ref long safe, ref int crlfLeft, string payload)
        {
            while (crlfLeft > 0)
            {
                if (!reader.TryRead(out byte b))
                {
                    return false;
                }

                if (b != (crlfLeft == 2 ? (byte)'\r' : (byte)'\n'))
                {
                    throw new RespProtocolException(payload + " not terminated by CRLF", reader.Consumed - 1);
                }

                crlfLeft--;
                safe = reader.Consumed;
            }

            return true;
        }
    }
}
