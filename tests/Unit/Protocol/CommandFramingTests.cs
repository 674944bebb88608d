using System.Buffers;
using System.Text;
using RedisCluster.Engine.Protocol;
using Xunit;

namespace RedisCluster.Tests.Protocol
{
    /// <summary>
    /// CommandFraming: follows one command through a stream without holding it. However the bytes arrive, it passes
    /// exactly the command's bytes (never one of the next command's), waits at a header line cut in two, and refuses
    /// the headers CommandReader refuses, with Redis's reasons.
    /// </summary>
    public class CommandFramingTests
    {
        private static readonly byte[] Next = Encoding.ASCII.GetBytes("*1\r\n$4\r\nPING\r\n");

        [Fact]
        public void PassesExactlyTheCommandWhateverTheChunks()
        {
            byte[] command = Sequences.Command(new[] { "HSET", "h", "f", new string('v', 5000), "g", "w" }.Select(Encoding.ASCII.GetBytes).ToArray());
            byte[] wire = command.Concat(Next).ToArray();
            var random = new Random(7);
            for (int round = 0; round < 200; round++)
            {
                var framing = new CommandFraming(new RespLimits());
                int at = 0;
                int chunk = 1 + random.Next(64);
                while (!framing.IsComplete)
                {
                    // What the client has sent so far, less what was passed on already.
                    int available = Math.Min(wire.Length, at + chunk) - at;
                    long passed = framing.Advance(new ReadOnlySequence<byte>(wire, at, available));
                    Assert.InRange(passed, 0, available);
                    at += (int)passed;
                    chunk = passed == available ? 1 + random.Next(64) : chunk + 1 + random.Next(64);
                }

                Assert.Equal(command.Length, at);
                Assert.Equal(command.Length, framing.Passed);
                Assert.Equal(0, framing.Advance(new ReadOnlySequence<byte>(Next)));
            }
        }

        [Fact]
        public void WaitsAtAHeaderLineCutInTwo()
        {
            var framing = new CommandFraming(new RespLimits());
            Assert.Equal(4, framing.Advance(Sequences.Single(Encoding.ASCII.GetBytes("*2\r\n$1"))));
            Assert.Equal(0, framing.Advance(Sequences.Single(Encoding.ASCII.GetBytes("$1"))));
            Assert.Equal(5 + 3, framing.Advance(Sequences.Single(Encoding.ASCII.GetBytes("$10\r\nabc"))));
            Assert.False(framing.IsComplete);
            Assert.Equal(9 + 4, framing.Advance(Sequences.Single(Encoding.ASCII.GetBytes("defghij\r\n$0\r\n"))));
            Assert.Equal(2, framing.Advance(Sequences.Single(Encoding.ASCII.GetBytes("\r\n*1"))));
            Assert.True(framing.IsComplete);
        }

        [Theory]
        [InlineData("*2\r\n+OK\r\n", "expected '$', got '+'")]
        [InlineData("PING\r\n", "expected '*', got 'P'")]
        [InlineData("*0\r\n", "invalid multibulk length")]
        [InlineData("*x\r\n", "invalid multibulk length")]
        [InlineData("*1\r\n$-1\r\n", "invalid bulk length")]
        [InlineData("*1\r\n$600\r\n", "invalid bulk length")]
        public void RefusesWhatIsNotACommandWithRedisReasons(string wire, string reason)
        {
            var framing = new CommandFraming(new RespLimits { MaxBulkLength = 512 });
            var ex = Assert.Throws<RespProtocolException>(() => framing.Advance(Sequences.Single(Encoding.ASCII.GetBytes(wire))));
            Assert.Equal(reason, ex.RedisReason);
        }
    }
}
