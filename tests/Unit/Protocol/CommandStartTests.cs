using System.Buffers;
using System.Text;
using RedisCluster.Engine.Protocol;
using Xunit;

namespace RedisCluster.Tests.Protocol
{
    /// <summary>
    /// CommandStart.TryRead: the arguments before a command's first large argument, read as soon as that argument's
    /// header is there, in whatever pieces the bytes came.
    /// </summary>
    public class CommandStartTests
    {
        [Fact]
        public void ReadsTheArgumentsBeforeTheFirstLargeOneAsSoonAsItsHeaderArrives()
        {
            byte[] wire = Encoding.ASCII.GetBytes("*5\r\n$4\r\nHSET\r\n$3\r\n{h}\r\n$1\r\nf\r\n$2000\r\nvvvv");
            int header = wire.Length - 4;
            for (int at = 0; at <= wire.Length; at++)
            {
                ReadOnlySequence<byte> pieces = Sequences.SplitAt(wire, Math.Min(at, wire.Length));
                Assert.True(CommandStart.TryRead(pieces, new RespLimits(), 1000, out CommandStart? start));
                Assert.Equal(new[] { "HSET", "{h}", "f" }, start!.Leading.Select(a => Encoding.ASCII.GetString(a)));
                Assert.Equal(5, start.Count);
                Assert.Equal(3, start.LargeIndex);
                Assert.Equal(2000, start.LargeLength);
            }

            for (int length = 0; length < header; length++)
            {
                Assert.False(CommandStart.TryRead(new ReadOnlySequence<byte>(wire, 0, length), new RespLimits(), 1000, out _));
            }
        }

        [Theory]
        [InlineData("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\nabc\r\n")]
        [InlineData("SET k v\r\n")]
        [InlineData("*2\r\n$3\r\nGET\r\n$1\r\n")]
        public void NoStartWithoutALargeArgument(string wire)
            => Assert.False(CommandStart.TryRead(Sequences.Single(Encoding.ASCII.GetBytes(wire)), new RespLimits(), 1000, out _));

        [Fact]
        public void ALargeArgumentAboveTheLimitIsNoStart()
            => Assert.False(CommandStart.TryRead(Sequences.Single(Encoding.ASCII.GetBytes("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5000\r\n")),
                new RespLimits { MaxBulkLength = 4000 }, 1000, out _));
    }
}
