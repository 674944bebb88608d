using System.Buffers;
using System.Text;
using RedisCluster.Engine.Protocol;
using Xunit;

namespace RedisCluster.Tests.Protocol
{
    /// <summary>
    /// RespFrameSkipper: the end of a frame found across reads on the stream scanner, resuming where the last
    /// read stopped. As the data grows read by read it must agree with RespReader.TryRead on where the frame
    /// ends, never end early, and reject malformed framing.
    /// </summary>
    public class RespFrameSkipperTests
    {
        [Theory]
        [MemberData(nameof(RespFrames.Names), MemberType = typeof(RespFrames))]
        public void GrowingReadsFindTheSameEndAsOneRead(string name)
        {
            byte[] wire = RespFrames.All[name].Wire.Concat(Encoding.ASCII.GetBytes("+next\r\n")).ToArray();
            int frame = RespFrames.All[name].Wire.Length;
            foreach (int step in new[] { 1, 2, 3, 7 })
            {
                AssertFoundAcrossReads(wire, frame, step);
            }
        }

        [Fact]
        public void ALargeNestedReplyInSmallReads()
        {
            var text = new StringBuilder("*3000\r\n");
            for (int i = 0; i < 3000; i++)
            {
                text.Append(i % 3 == 0 ? "$5\r\nvalue\r\n" : i % 3 == 1 ? "*2\r\n:1\r\n%1\r\n+k\r\n$-1\r\n" : ":" + i + "\r\n");
            }

            byte[] wire = Encoding.ASCII.GetBytes(text.ToString());
            AssertFoundAcrossReads(wire, wire.Length, 1000);
            AssertFoundAcrossReads(wire, wire.Length, 13);
        }

        [Fact]
        public void OneSkipperServesFrameAfterFrame()
        {
            var skipper = new RespFrameSkipper();
            byte[] first = Encoding.ASCII.GetBytes("*2\r\n$1\r\na\r\n$1\r\nb\r\n");
            byte[] second = Encoding.ASCII.GetBytes("%1\r\n+k\r\n:7\r\n");
            Assert.False(skipper.TrySkip(Sequences.Single(first.AsSpan(0, 12).ToArray()), RespLimits.Default, out _));
            var both = Sequences.Single(first.Concat(second).ToArray());
            Assert.True(skipper.TrySkip(both, RespLimits.Default, out SequencePosition end));
            Assert.Equal(first.Length, Sequences.Offset(both, end));
            var rest = both.Slice(end);
            Assert.True(skipper.TrySkip(rest, RespLimits.Default, out end));
            Assert.Equal(second.Length, Sequences.Offset(rest, end));
        }

        [Fact]
        public void AMalformedElementInALaterReadIsAnError()
        {
            var skipper = new RespFrameSkipper();
            byte[] wire = Encoding.ASCII.GetBytes("*3\r\n:1\r\n:2\r\n?oops\r\n");
            Assert.False(skipper.TrySkip(Sequences.Single(wire.AsSpan(0, 12).ToArray()), RespLimits.Default, out _));
            Assert.Throws<RespProtocolException>(() => skipper.TrySkip(Sequences.Single(wire), RespLimits.Default, out _));
        }

        [Fact]
        public void AFrameOverTheLimitIsRefusedBeforeItEnds()
        {
            var skipper = new RespFrameSkipper();
            var limits = new RespLimits { MaxFrameLength = 64 };
            string elements = string.Concat(Enumerable.Repeat("$5\r\nvalue\r\n", 10));
            Assert.False(skipper.TrySkip(Sequences.Single(Encoding.ASCII.GetBytes("*100\r\n" + elements.Substring(0, 40))), limits, out _));
            Assert.Throws<RespProtocolException>(() => skipper.TrySkip(Sequences.Single(Encoding.ASCII.GetBytes("*100\r\n" + elements)), limits, out _));
        }

        /// <summary>Offers the frame as it would arrive, <paramref name="step"/> more bytes per read, to one skipper.</summary>
        private static void AssertFoundAcrossReads(byte[] wire, int frame, int step)
        {
            var skipper = new RespFrameSkipper();
            for (int length = Math.Min(step, wire.Length); ; length = Math.Min(length + step, wire.Length))
            {
                var buffer = Sequences.RandomPieces(wire.AsSpan(0, length).ToArray(), new Random(length), 5);
                bool found = skipper.TrySkip(buffer, RespLimits.Default, out SequencePosition end);
                Assert.Equal(RespReader.TryRead(buffer, RespLimits.Default, out _, out SequencePosition whole), found);
                if (found)
                {
                    Assert.True(length >= frame, "ended after " + length + " of " + frame + " bytes");
                    Assert.Equal(frame, Sequences.Offset(buffer, end));
                    Assert.Equal(frame, Sequences.Offset(buffer, whole));
                    return;
                }

                Assert.True(length < wire.Length, "never found the end of " + frame + " bytes");
            }
        }
    }
}
