using System.Buffers;
using RedisCluster.Engine.Protocol;
using Xunit;

namespace RedisCluster.Tests.Protocol
{
    /// <summary>
    /// The reader must not care how the bytes were cut up: every segmentation of a frame gives the
    /// same value, and every strict prefix is "need more", never an error.
    /// </summary>
    public class RespReaderSplitTests
    {
        [Theory]
        [MemberData(nameof(RespFrames.Names), MemberType = typeof(RespFrames))]
        public void Every_strict_prefix_needs_more_data(string name)
        {
            byte[] wire = RespFrames.All[name].Wire;
            for (int length = 0; length < wire.Length; length++)
            {
                byte[] prefix = wire.AsSpan(0, length).ToArray();
                foreach (var buffer in new[] { Sequences.Single(prefix), Sequences.OneBytePieces(prefix) })
                {
                    Assert.False(RespReader.TryRead(buffer, RespLimits.Default, out _, out SequencePosition end), name + ": prefix of " + length + " bytes parsed");
                    Assert.Equal(0, Sequences.Offset(buffer, end));
                    Assert.False(RespFrameSkipper.TrySkipWhole(buffer, RespLimits.Default, out _), name + ": prefix of " + length + " bytes skipped");
                }
            }
        }

        [Theory]
        [MemberData(nameof(RespFrames.Names), MemberType = typeof(RespFrames))]
        public void Split_at_every_byte_boundary_parses_identically(string name)
        {
            var (wire, expected) = RespFrames.All[name];
            for (int at = 0; at <= wire.Length; at++)
            {
                AssertParses(Sequences.SplitAt(wire, at), wire.Length, expected);
            }
        }

        [Theory]
        [MemberData(nameof(RespFrames.Names), MemberType = typeof(RespFrames))]
        public void One_byte_segments_parse_identically(string name)
        {
            var (wire, expected) = RespFrames.All[name];
            AssertParses(Sequences.OneBytePieces(wire), wire.Length, expected);
        }

        [Theory]
        [MemberData(nameof(RespFrames.Names), MemberType = typeof(RespFrames))]
        public void Random_size_segments_parse_identically(string name)
        {
            var (wire, expected) = RespFrames.All[name];
            var random = new Random(name.Aggregate(17, (h, c) => unchecked((h * 31) + c)));
            for (int round = 0; round < 50; round++)
            {
                AssertParses(Sequences.RandomPieces(wire, random, 1 + random.Next(8)), wire.Length, expected);
            }
        }

        [Theory]
        [MemberData(nameof(RespFrames.Names), MemberType = typeof(RespFrames))]
        public void Trailing_bytes_are_left_for_the_next_read(string name)
        {
            var (wire, expected) = RespFrames.All[name];
            byte[] withNext = wire.Concat(wire).Concat(new[] { (byte)'+' }).ToArray();
            for (int at = 0; at <= withNext.Length; at += 3)
            {
                var buffer = Sequences.SplitAt(withNext, at);
                AssertParses(buffer, wire.Length, expected);
                Assert.True(RespReader.TryRead(buffer, RespLimits.Default, out _, out SequencePosition end));
                AssertParses(buffer.Slice(end), wire.Length, expected);
            }
        }

        private static void AssertParses(ReadOnlySequence<byte> buffer, long frameLength, RespValue expected)
        {
            Assert.True(RespReader.TryRead(buffer, RespLimits.Default, out RespValue value, out SequencePosition end));
            RespAssert.Equal(expected, value);
            Assert.Equal(frameLength, Sequences.Offset(buffer, end));

            Assert.True(RespFrameSkipper.TrySkipWhole(buffer, RespLimits.Default, out SequencePosition skipEnd));
            Assert.Equal(frameLength, Sequences.Offset(buffer, skipEnd));
        }
    }
}
