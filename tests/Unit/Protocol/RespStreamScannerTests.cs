using System.Buffers;
using System.Text;
using RedisCluster.Engine.Protocol;
using Xunit;

namespace RedisCluster.Tests.Protocol
{
    /// <summary>
    /// RespStreamScanner: RESP walked element by element across reads, as the byte relay walks it. Whatever the
    /// reads, a frame must end exactly where RespReader says it ends, the header numbers must be the declared
    /// ones, and only an incomplete header or line is ever left for the next read.
    /// </summary>
    public class RespStreamScannerTests
    {
        [Theory]
        [MemberData(nameof(RespFrames.Names), MemberType = typeof(RespFrames))]
        public void EveryFrameEndsWhereTheReaderSaysHoweverItArrives(string name)
        {
            byte[] frame = RespFrames.All[name].Wire;
            byte[] wire = frame.Concat(Encoding.ASCII.GetBytes("+next\r\n")).ToArray();
            foreach (int step in new[] { 1, 2, 3, 7, wire.Length })
            {
                List<long> ends = Walk(wire, step, RespStreamKind.Replies, RespLimits.Default, out _);
                Assert.Equal(new long[] { frame.Length, wire.Length }, ends);
            }
        }

        [Fact]
        public void ElementsComeWithTheirHeaderNumbers()
        {
            byte[] wire = Encoding.ASCII.GetBytes("*3\r\n$3\r\nfoo\r\n%1\r\n+k\r\n$-1\r\n:42\r\n>2\r\n$1\r\nm\r\n|1\r\n+a\r\n:1\r\n*0\r\n");
            Walk(wire, 5, RespStreamKind.Replies, RespLimits.Default, out List<string> seen);
            Assert.Equal(
                new[]
                {
                    "Array 3 frame", "BulkString 3", "payload", "Map 1", "SimpleString 0", "BulkString -1", "Integer 0",
                    "Push 2 frame", "BulkString 1", "payload", "Attribute 1", "SimpleString 0", "Integer 0", "Array 0",
                },
                seen);
        }

        [Fact]
        public void NestingDeeperThanAValueMayHoldIsWalkedToItsEnd()
        {
            // A Lua table that holds itself comes back thousands of levels deep; a relay must still find the end.
            byte[] wire = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("*1\r\n", 5000)) + ":1\r\n");
            var limits = new RespLimits { MaxDepth = 8 };
            Assert.Equal(new long[] { wire.Length }, Walk(wire, 999, RespStreamKind.Replies, limits, out _));
        }

        [Fact]
        public void LargePayloadsPassAsTheyArriveWithoutBeingHeld()
        {
            byte[] wire = Encoding.ASCII.GetBytes("$1000000\r\n").Concat(new byte[1000000]).Concat(Encoding.ASCII.GetBytes("\r\n")).ToArray();
            var scanner = new RespStreamScanner(RespLimits.Default, RespStreamKind.Replies);
            int held = 0;
            for (int at = 0; at < wire.Length; at += 4096)
            {
                int length = Math.Min(4096, wire.Length - at) + held;
                var reader = new RespBufferReader(new ReadOnlySequence<byte>(wire, at - held, length));
                while (scanner.Next(ref reader, out _) != RespScanStep.NeedMore)
                {
                }

                held = length - (int)reader.Consumed;
                Assert.True(held < 16, "held " + held + " bytes");
            }

            Assert.False(scanner.InFrame);
        }

        [Theory]
        [InlineData("$10\r\n", false)]
        [InlineData("*11\r\n", false)]
        [InlineData("$x\r\n", false)]
        [InlineData("$01\r\n", false)]
        [InlineData("$+1\r\n", false)]
        [InlineData("~-1\r\n", false)]
        [InlineData("@\r\n", false)]
        [InlineData("$1\r\nab\r\n", false)]
        [InlineData("*1\r\n:1\r\n", true)]
        [InlineData("*1\r\n$-1\r\n", true)]
        public void MalformedOrOversizedHeadersAreProtocolErrors(string text, bool commands)
        {
            var limits = new RespLimits { MaxBulkLength = 9, MaxAggregateLength = 10 };
            Assert.Throws<RespProtocolException>(() => Walk(Encoding.ASCII.GetBytes(text), 1, commands ? RespStreamKind.Commands : RespStreamKind.Replies, limits, out _));
        }

        [Theory]
        [InlineData("*2\r\n:1\r\n", "expected '$', got ':'")]
        [InlineData("*2\r\n$-1\r\n", "invalid bulk length")]
        [InlineData("*2\r\n$3\r\nGETxx", "invalid bulk length")]
        [InlineData("*1x\r\n", "invalid multibulk length")]
        [InlineData("*3000000000\r\n", "invalid multibulk length")]
        public void CommandFaultsAreInRedisOwnWords(string text, string reason)
        {
            var limits = new RespLimits { MaxAggregateLength = 1024 * 1024 };
            var ex = Assert.Throws<RespProtocolException>(() => Walk(Encoding.ASCII.GetBytes(text), 100, RespStreamKind.Commands, limits, out _));
            Assert.Equal(reason, ex.RedisReason);
        }

        [Fact]
        public void ACommandIsOneFrameAndAnEmptyOneEndsAtOnce()
        {
            byte[] wire = Encoding.ASCII.GetBytes("*0\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*-1\r\n");
            Assert.Equal(new long[] { 4, 24, 29 }, Walk(wire, 3, RespStreamKind.Commands, RespLimits.Default, out _));
        }

        [Fact]
        public void APayloadIsCopiedOnlyWhenAllOfItIsHereAndFits()
        {
            byte[] wire = Encoding.ASCII.GetBytes("*2\r\n$5\r\nHELLO\r\n$20\r\n01234567890123456789\r\n");
            var scanner = new RespStreamScanner(RespLimits.Default, RespStreamKind.Commands);
            var reader = new RespBufferReader(new ReadOnlySequence<byte>(wire, 0, 14));
            Span<byte> word = stackalloc byte[16];
            Assert.Equal(RespScanStep.Element, scanner.Next(ref reader, out _));
            Assert.Equal(RespScanStep.Element, scanner.Next(ref reader, out _));
            Assert.Equal(-1, scanner.TryCopyPayload(ref reader, word));
            Assert.Equal(8, reader.Consumed);

            reader = new RespBufferReader(new ReadOnlySequence<byte>(wire, 8, wire.Length - 8));
            Assert.Equal(5, scanner.TryCopyPayload(ref reader, word));
            Assert.Equal("HELLO", Encoding.ASCII.GetString(word.Slice(0, 5).ToArray()));
            Assert.Equal(RespScanStep.Element, scanner.Next(ref reader, out RespElement second));
            Assert.Equal(20, second.Number);
            Assert.Equal(-2, scanner.TryCopyPayload(ref reader, word));
            Assert.Equal(RespScanStep.PayloadEnd, scanner.Next(ref reader, out _));
            Assert.False(scanner.InFrame);
            Assert.Equal(wire.Length - 8, reader.Consumed);
        }

        /// <summary>
        /// Feeds <paramref name="wire"/> <paramref name="step"/> bytes more per read, with what the last read left
        /// (split into two segments), and returns the offsets at which frames ended; <paramref name="seen"/> lists the steps.
        /// </summary>
        private static List<long> Walk(byte[] wire, int step, RespStreamKind kind, RespLimits limits, out List<string> seen)
        {
            var ends = new List<long>();
            seen = new List<string>();
            var scanner = new RespStreamScanner(limits, kind);
            long passed = 0;
            for (int arrived = Math.Min(step, wire.Length); ; arrived = Math.Min(arrived + step, wire.Length))
            {
                byte[] pending = wire[(int)passed..arrived];
                var reader = new RespBufferReader(Sequences.SplitAt(pending, pending.Length / 2));
                while (true)
                {
                    RespScanStep result = scanner.Next(ref reader, out RespElement element);
                    if (result == RespScanStep.NeedMore)
                    {
                        break;
                    }

                    seen.Add(result == RespScanStep.PayloadEnd ? "payload"
                        : element.Type + " " + element.Number + (element.StartsFrame ? " frame" : string.Empty));
                    if (!scanner.InFrame)
                    {
                        ends.Add(passed + reader.Consumed);
                    }
                }

                passed += reader.Consumed;
                if (arrived == wire.Length)
                {
                    return ends;
                }
            }
        }
    }
}
