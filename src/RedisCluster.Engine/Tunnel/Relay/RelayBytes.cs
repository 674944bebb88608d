using System.Buffers;

namespace RedisCluster.Engine.Tunnel.Relay
{
    /// <summary>What both relay filters do with the bytes they pass on: copy a range of the input to the output.</summary>
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
    }
}
