using System.Buffers;
using System.Text;
using RedisCluster.Engine.Protocol;
using Xunit;

namespace RedisCluster.Tests.Protocol
{
    /// <summary>
    /// RespFlatFrame measures common reply frames in one span in front of the stream scanner. It must never disagree
    /// with the scanner: whatever it measures, the scanner finds whole with the same length; whatever the scanner
    /// refuses or finds incomplete, it leaves to the scanner (0).
    /// </summary>
    public class RespFlatFrameTests
    {
        [Theory]
        [InlineData("+OK\r\n")]
        [InlineData("-MOVED 3999 127.0.0.1:6381\r\n")]
        [InlineData(":-12\r\n")]
        [InlineData("_\r\n")]
        [InlineData("$-1\r\n")]
        [InlineData("$0\r\n\r\n")]
        [InlineData("$4\r\na\r\nb\r\n")]
        [InlineData("*-1\r\n")]
        [InlineData("*0\r\n")]
        [InlineData("*3\r\n$1\r\na\r\n$-1\r\n:7\r\n")]
        [InlineData("*2\r\n*2\r\n:1\r\n:2\r\n$1\r\nb\r\n")]
        public void TheCommonShapesAreMeasuredAsTheScannerMeasuresThem(string frame)
        {
            byte[] wire = Encoding.ASCII.GetBytes(frame + "+next\r\n");
            int flat = RespFlatFrame.Length(wire, RespLimits.Default);
            Assert.Equal(frame.Length, flat);
            Assert.Equal(frame.Length, ScannerLength(wire, RespLimits.Default));
        }

        [Theory]
        [InlineData("%1\r\n+k\r\n:1\r\n")]
        [InlineData(">2\r\n+message\r\n+x\r\n")]
        [InlineData("=7\r\ntxt:abc\r\n")]
        [InlineData("*1\r\n%1\r\n+k\r\n:1\r\n")]
        [InlineData("*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n")]
        public void OtherShapesAreLeftToTheScanner(string frame)
        {
            Assert.Equal(0, RespFlatFrame.Length(Encoding.ASCII.GetBytes(frame), RespLimits.Default));
        }

        [Theory]
        [InlineData("+OK\r")]
        [InlineData("$5\r\nab\r\n")]
        [InlineData("*2\r\n:1\r\n")]
        [InlineData("+O\nK\r\n")]
        [InlineData("+OK\rX\n")]
        [InlineData("$2\r\nabXY")]
        [InlineData("$-2\r\n")]
        [InlineData("$ 1\r\na\r\n")]
        [InlineData("*-2\r\n")]
        [InlineData("$99999999999999999999999\r\n")]
        public void IncompleteOrMalformedFramesAreLeftToTheScanner(string frame)
        {
            Assert.Equal(0, RespFlatFrame.Length(Encoding.ASCII.GetBytes(frame), RespLimits.Default));
        }

        [Fact]
        public void TheLimitsAreTheScannersOwn()
        {
            var limits = new RespLimits { MaxLineLength = 4, MaxBulkLength = 3, MaxAggregateLength = 2 };
            Assert.Equal(7, RespFlatFrame.Length(Encoding.ASCII.GetBytes("+abcd\r\n"), limits));
            Assert.Equal(0, RespFlatFrame.Length(Encoding.ASCII.GetBytes("+abcde\r\n"), limits));
            Assert.Equal(9, RespFlatFrame.Length(Encoding.ASCII.GetBytes("$3\r\nabc\r\n"), limits));
            Assert.Equal(0, RespFlatFrame.Length(Encoding.ASCII.GetBytes("$4\r\nabcd\r\n"), limits));
            Assert.Equal(0, RespFlatFrame.Length(Encoding.ASCII.GetBytes("*3\r\n:1\r\n:2\r\n:3\r\n"), limits));
        }

        [Fact]
        public void MutatedFramesAreNeverMeasuredWhereTheScannerDisagrees()
        {
            // Every byte of each common shape replaced by each byte that matters to the framing, and every cut.
            string[] shapes = { "+OK\r\n", ":15\r\n", "$3\r\nabc\r\n", "$-1\r\n", "*2\r\n$1\r\na\r\n:-1\r\n", "*1\r\n*1\r\n_\r\n" };
            byte[] probes = Encoding.ASCII.GetBytes("\r\n$*+:-_0159 %x");
            int measured = 0;
            foreach (string shape in shapes)
            {
                byte[] original = Encoding.ASCII.GetBytes(shape);
                for (int cut = 0; cut <= original.Length; cut++)
                {
                    measured += AssertAgrees(original.AsSpan(0, cut).ToArray());
                }

                for (int at = 0; at < original.Length; at++)
                {
                    foreach (byte probe in probes)
                    {
                        byte[] mutated = (byte[])original.Clone();
                        mutated[at] = probe;
                        measured += AssertAgrees(mutated);
                    }
                }
            }

            // The agreement is not vacuous: the untouched shapes and many mutants are measured.
            Assert.True(measured > 50, measured + " frames measured");
        }

        private static int AssertAgrees(byte[] wire)
        {
            int flat = RespFlatFrame.Length(wire, RespLimits.Default);
            if (flat > 0)
            {
                Assert.Equal(flat, ScannerLength(wire, RespLimits.Default));
                return 1;
            }

            return 0;
        }

        /// <summary>The scanner's own walk: the first byte alone in its segment, so no frame is whole in the first span.</summary>
        private static long ScannerLength(byte[] wire, RespLimits limits)
        {
            ReadOnlySequence<byte> buffer = Sequences.Chain(new[] { wire.AsSpan(0, 1).ToArray(), wire.AsSpan(1).ToArray() });
            Assert.True(new RespFrameSkipper().TrySkip(buffer, limits, out SequencePosition end));
            return Sequences.Offset(buffer, end);
        }
    }
}
