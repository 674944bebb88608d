using System.Buffers;
using System.Text;
using RedisCluster.Engine.Protocol;
using Xunit;

namespace RedisCluster.Tests.Protocol
{
    /// <summary>
    /// RespReader.TryReadCommand: a client's command read straight into its arguments. However the bytes
    /// are cut up it gives the same arguments; a prefix is "need more"; anything but an array of bulk
    /// strings is an error; and nothing is allocated before the whole command is there.
    /// </summary>
    public class RespCommandReaderTests
    {
        private static readonly byte[] Binary = { 0x00, 0xff, (byte)'\r', (byte)'\n', 0x80 };

        public static IEnumerable<object[]> Commands()
        {
            yield return new object[] { new[] { "GET"u8.ToArray(), "key"u8.ToArray() } };
            yield return new object[] { new[] { "SET"u8.ToArray(), "k"u8.ToArray(), Array.Empty<byte>() } };
            yield return new object[] { new[] { "SET"u8.ToArray(), "{tag}k"u8.ToArray(), Binary } };
            yield return new object[] { new[] { "PING"u8.ToArray() } };
            yield return new object[] { new[] { "MSET"u8.ToArray(), "a"u8.ToArray(), "1"u8.ToArray(), "b"u8.ToArray(), Encoding.ASCII.GetBytes(new string('x', 300)) } };
        }

        [Theory]
        [MemberData(nameof(Commands))]
        public void SplitAtEveryByteBoundaryReadsTheSameArguments(byte[][] arguments)
        {
            byte[] wire = Encode(arguments);
            for (int at = 0; at <= wire.Length; at++)
            {
                AssertReads(Sequences.SplitAt(wire, at), arguments, wire.Length);
            }

            AssertReads(Sequences.OneBytePieces(wire), arguments, wire.Length);
        }

        [Theory]
        [MemberData(nameof(Commands))]
        public void EveryStrictPrefixNeedsMore(byte[][] arguments)
        {
            byte[] wire = Encode(arguments);
            for (int length = 1; length < wire.Length; length++)
            {
                byte[] prefix = wire.AsSpan(0, length).ToArray();
                foreach (var buffer in new[] { Sequences.Single(prefix), Sequences.OneBytePieces(prefix) })
                {
                    Assert.False(RespReader.TryReadCommand(buffer, RespLimits.Default, out byte[][]? read, out SequencePosition end), length + " bytes read as a command");
                    Assert.Null(read);
                    Assert.Equal(0, Sequences.Offset(buffer, end));
                }
            }
        }

        [Fact]
        public void TheFirstByteIsFoundPastEmptySegments()
        {
            // A slice that ends exactly at a segment boundary can begin with an empty segment.
            var buffer = Sequences.Chain(new[] { Array.Empty<byte>(), Array.Empty<byte>(), "*1\r\n$4\r\nPING\r\n"u8.ToArray() });
            Assert.Equal((byte)'*', RespReader.FirstByte(buffer));
            Assert.Throws<ArgumentException>(() => RespReader.FirstByte(Sequences.Chain(new[] { Array.Empty<byte>() })));
        }

        [Fact]
        public void BackToBackCommandsAreReadOneAtATime()
        {
            byte[] wire = Encode("GET"u8.ToArray(), "a"u8.ToArray()).Concat(Encode("DEL"u8.ToArray(), "b"u8.ToArray(), "c"u8.ToArray())).ToArray();
            var buffer = Sequences.SplitAt(wire, 7);
            Assert.True(RespReader.TryReadCommand(buffer, RespLimits.Default, out byte[][]? first, out SequencePosition end));
            Assert.Equal(new[] { "GET", "a" }, first!.Select(Encoding.ASCII.GetString));
            buffer = buffer.Slice(end);
            Assert.True(RespReader.TryReadCommand(buffer, RespLimits.Default, out byte[][]? second, out end));
            Assert.Equal(new[] { "DEL", "b", "c" }, second!.Select(Encoding.ASCII.GetString));
            Assert.Equal(0, buffer.Slice(end).Length);
        }

        [Theory]
        [InlineData("*0\r\n")]
        [InlineData("*-1\r\n")]
        public void EmptyAndNullArraysAreNoCommand(string wire)
        {
            var buffer = Sequences.Single(Encoding.ASCII.GetBytes(wire + "*1\r\n$4\r\nPING\r\n"));
            Assert.True(RespReader.TryReadCommand(buffer, RespLimits.Default, out byte[][]? arguments, out SequencePosition end));
            Assert.Null(arguments);
            Assert.Equal(wire.Length, Sequences.Offset(buffer, end));
        }

        [Theory]
        [InlineData("*1\r\n:1\r\n", "expected '$', got ':'")]
        [InlineData("*2\r\n$3\r\nGET\r\n*1\r\n", "expected '$', got '*'")]
        [InlineData("*1\r\n$-1\r\n", "Invalid bulk length -1")]
        [InlineData("*x\r\n", "Invalid integer")]
        [InlineData("*-2\r\n", "Invalid aggregate length -2")]
        [InlineData("*1\r\n$3\r\nGETxx", "not terminated by CRLF")]
        [InlineData("+OK\r\n", "Unexpected byte '+'")]
        public void AnythingButAnArrayOfBulkStringsIsAnError(string wire, string message)
        {
            var error = Assert.Throws<RespProtocolException>(() => RespReader.TryReadCommand(Sequences.Single(Encoding.ASCII.GetBytes(wire)), RespLimits.Default, out _, out _));
            Assert.Contains(message, error.Message);
        }

        [Fact]
        public void LimitsAreTheCallersLimits()
        {
            var limits = new RespLimits { MaxAggregateLength = 3, MaxBulkLength = 10, MaxFrameLength = 64 };
            Assert.Contains("exceeds the limit", Assert.Throws<RespProtocolException>(
                () => RespReader.TryReadCommand(Sequences.Single(Encode("MGET"u8.ToArray(), "a"u8.ToArray(), "b"u8.ToArray(), "c"u8.ToArray())), limits, out _, out _)).Message);
            Assert.Contains("Bulk length 11", Assert.Throws<RespProtocolException>(
                () => RespReader.TryReadCommand(Sequences.Single(Encode("GET"u8.ToArray(), new byte[11])), limits, out _, out _)).Message);

            // An incomplete command longer than the frame limit is refused before the rest arrives.
            byte[] partial = Encoding.ASCII.GetBytes("*2\r\n$3\r\nGET\r\n$100\r\n" + new string('x', 50));
            Assert.Contains("frame exceeds", Assert.Throws<RespProtocolException>(
                () => RespReader.TryReadCommand(Sequences.Single(partial), new RespLimits { MaxFrameLength = 64 }, out _, out _)).Message);
        }

        [Fact]
        public void DeclaredLengthsDoNotDriveAllocation()
        {
            // A billion arguments and a 500 MB argument announced, neither sent.
            foreach (string wire in new[] { "*1000000000\r\n$3\r\nGET\r\n", "*2\r\n$3\r\nSET\r\n$500000000\r\nabc" })
            {
                var buffer = Sequences.Single(Encoding.ASCII.GetBytes(wire));
                RespReader.TryReadCommand(buffer, RespLimits.Default, out _, out _);
                long before = GC.GetAllocatedBytesForCurrentThread();
                Assert.False(RespReader.TryReadCommand(buffer, RespLimits.Default, out byte[][]? arguments, out _));
                long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                Assert.Null(arguments);
                Assert.True(allocated < 1024, wire.Split('\r')[0] + ": " + allocated + " bytes allocated");
            }
        }

        private static void AssertReads(ReadOnlySequence<byte> buffer, byte[][] expected, long length)
        {
            Assert.True(RespReader.TryReadCommand(buffer, RespLimits.Default, out byte[][]? arguments, out SequencePosition end));
            Assert.Equal(expected.Length, arguments!.Length);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.Equal(expected[i], arguments[i]);
            }

            Assert.Equal(length, Sequences.Offset(buffer, end));
        }

        private static byte[] Encode(params byte[][] arguments)
        {
            var bytes = new List<byte>(Encoding.ASCII.GetBytes("*" + arguments.Length + "\r\n"));
            foreach (byte[] argument in arguments)
            {
                bytes.AddRange(Encoding.ASCII.GetBytes("$" + argument.Length + "\r\n"));
                bytes.AddRange(argument);
                bytes.AddRange("\r\n"u8.ToArray());
            }

            return bytes.ToArray();
        }
    }
}
