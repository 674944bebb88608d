using System.Buffers;
using System.Text;
using RedisCluster.Engine.Protocol;
using Xunit;

namespace RedisCluster.Tests.Protocol
{
    /// <summary>A declared length is only a claim by the peer: it must never size an allocation up front.</summary>
    public class RespReaderAllocationTests
    {
        private const long Budget = 16 * 1024;

        [Theory]
        [InlineData("*2147483647\r\n:1\r\n:2\r\n")]
        [InlineData("%2147483647\r\n+k\r\n")]
        [InlineData("~2147483647\r\n")]
        [InlineData(">2147483647\r\n$1\r\na\r\n")]
        [InlineData("|2147483647\r\n+k\r\n:1\r\n")]
        [InlineData("$400000000\r\nabc")]
        [InlineData("!400000000\r\nabc")]
        [InlineData("=400000000\r\ntxt:abc")]
        [InlineData("*3\r\n$400000000\r\nabc")]
        public void Huge_declared_length_with_little_data_allocates_little(string wire)
        {
            var limits = new RespLimits { MaxBulkLength = 1L << 30 };
            var buffer = Sequences.Single(Encoding.ASCII.GetBytes(wire));
            AssertSmallAllocation(() => Assert.False(RespReader.TryRead(buffer, limits, out _, out _)));
            AssertSmallAllocation(() => Assert.False(RespFrameSkipper.TrySkipWhole(buffer, limits, out _)));
        }

        [Fact]
        public void Deeply_nested_huge_declared_lengths_allocate_little()
        {
            // Each level claims two billion items; a reader that pre-sizes per level would pay for all 64 levels.
            var buffer = Sequences.Single(Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("*2147483647\r\n", 64))));
            AssertSmallAllocation(() => Assert.False(RespReader.TryRead(buffer, RespLimits.Default, out _, out _)));
        }

        [Fact]
        public void Bulk_payload_is_not_allocated_until_it_has_fully_arrived()
        {
            byte[] wire = new byte[1_000_000];
            Encoding.ASCII.GetBytes("$1000000\r\n").CopyTo(wire, 0);
            var buffer = Sequences.RandomPieces(wire, new Random(3), 4096);
            AssertSmallAllocation(() => Assert.False(RespReader.TryRead(buffer, RespLimits.Default, out _, out _)));
            AssertSmallAllocation(() => Assert.False(RespFrameSkipper.TrySkipWhole(buffer, RespLimits.Default, out _)));
        }

        [Fact]
        public void Skipping_a_complete_frame_does_not_materialise_it()
        {
            string bulk = new string('x', 100_000);
            string line = new string('y', 50_000);
            var buffer = Sequences.Single(Encoding.ASCII.GetBytes("*3\r\n$100000\r\n" + bulk + "\r\n+" + line + "\r\n:1\r\n"));
            AssertSmallAllocation(() => Assert.True(RespFrameSkipper.TrySkipWhole(buffer, RespLimits.Default, out _)));
        }

        private static void AssertSmallAllocation(Action action)
        {
            action(); // warm up: first calls pay for type initialisation, not for the input
            long before = GC.GetAllocatedBytesForCurrentThread();
            action();
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < Budget, "allocated " + allocated + " bytes");
        }
    }
}
