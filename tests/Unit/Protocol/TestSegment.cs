using System.Buffers;

namespace RedisCluster.Tests.Protocol
{
    /// <summary>A link in a hand-built multi-segment sequence, so reads can be tested across segment seams.</summary>
    internal sealed class TestSegment : ReadOnlySequenceSegment<byte>
    {
        public TestSegment(ReadOnlyMemory<byte> memory, TestSegment? previous)
        {
            Memory = memory;
            if (previous != null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }
}
