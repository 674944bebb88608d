using System.Buffers;
using System.Text;
using RedisCluster.Engine.Protocol;
using Xunit;

namespace RedisCluster.Tests.Protocol
{
    /// <summary>
    /// CommandReader.TryRead: a client's command read straight into its arguments. However the bytes
    /// are cut up it gives the same arguments; a prefix is "need more"; anything but an array of bulk
    /// strings is an error; and nothing is allocated before the whole command is there.
    /// </summary>
    public class CommandReaderTests
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
            byte[] wire = Sequences.Command(arguments);
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
            byte[] wire = Sequences.Command(arguments);
            for (int length = 1; length < wire.Length; length++)
            {
                byte[] prefix = wire.AsSpan(0, length).ToArray();
                foreach (var buffer in new[] { Sequences.Single(prefix), Sequences.OneBytePieces(prefix) })
                {
                    Assert.False(CommandReader.TryRead(buffer, RespLimits.Default, out byte[][]? read, out SequencePosition end), length + " bytes read as a command");
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
            byte[] wire = Sequences.Command("GET"u8.ToArray(), "a"u8.ToArray()).Concat(Sequences.Command("DEL"u8.ToArray(), "b"u8.ToArray(), "c"u8.ToArray())).ToArray();
            var buffer = Sequences.SplitAt(wire, 7);
            Assert.True(CommandReader.TryRead(buffer, RespLimits.Default, out byte[][]? first, out SequencePosition end));
            Assert.Equal(new[] { "GET", "a" }, first!.Select(Encoding.ASCII.GetString));
            buffer = buffer.Slice(end);
            Assert.True(CommandReader.TryRead(buffer, RespLimits.Default, out byte[][]? second, out end));
            Assert.Equal(new[] { "DEL", "b", "c" }, second!.Select(Encoding.ASCII.GetString));
            Assert.Equal(0, buffer.Slice(end).Length);
        }

        [Theory]
        [InlineData("*0\r\n")]
        [InlineData("*-1\r\n")]
        [InlineData("*-10\r\n")]
        [InlineData("\r\n")]
        [InlineData("   \n")]
        public void WhatRedisIgnoresIsNoCommand(string wire)
        {
            var buffer = Sequences.Single(Encoding.ASCII.GetBytes(wire + "*1\r\n$4\r\nPING\r\n"));
            Assert.True(CommandReader.TryRead(buffer, RespLimits.Default, out byte[][]? arguments, out SequencePosition end));
            Assert.Null(arguments);
            Assert.Equal(wire.Length, Sequences.Offset(buffer, end));
        }

        /// <summary>The texts are networking.c's, which Redis's own test suite (unit/protocol) matches.</summary>
        [Theory]
        [InlineData("*1\r\n:1\r\n", "expected '$', got ':'")]
        [InlineData("*2\r\n$3\r\nGET\r\n*1\r\n", "expected '$', got '*'")]
        [InlineData("*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n", "expected '$', got 'f'")]
        [InlineData("*1\r\n$-1\r\n", "invalid bulk length")]
        [InlineData("*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$blabla\r\n", "invalid bulk length")]
        [InlineData("*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$2000000000\r\n", "invalid bulk length")]
        [InlineData("*x\r\n", "invalid multibulk length")]
        [InlineData("*01\r\n", "invalid multibulk length")]
        [InlineData("*3000000000\r\n", "invalid multibulk length")]
        [InlineData("set \"\"\"test-key\"\"\" test-value\r\nping\r\n", "unbalanced quotes in request")]
        [InlineData("GET \"key\r\n", "unbalanced quotes in request")]
        public void FaultsAreReportedInRedisWords(string wire, string reason)
        {
            var error = Assert.Throws<RespProtocolException>(() => CommandReader.TryRead(Sequences.Single(Encoding.ASCII.GetBytes(wire)), RespLimits.Default, out _, out _));
            Assert.Equal(reason, error.RedisReason);
        }

        [Theory]
        [InlineData("\0", "too big inline request")]
        [InlineData("*\0", "too big mbulk count string")]
        [InlineData("*1\r\n$", "too big bulk count string")]
        public void AHeaderOrInlineLineWithoutEndIsRefusedAfter64KB(string start, string reason)
        {
            byte[] wire = Encoding.ASCII.GetBytes(start + new string('A', 64 * 1024));
            var error = Assert.Throws<RespProtocolException>(() => CommandReader.TryRead(Sequences.Single(wire), RespLimits.Default, out _, out _));
            Assert.Equal(reason, error.RedisReason);
        }

        [Theory]
        [InlineData("SET k \"a b\"\r\n", new[] { "SET", "k", "a b" })]
        [InlineData("set k '' \"\"\n", new[] { "set", "k", "", "" })]
        [InlineData("SET k \"\\x41\\n\\t\\\"q\\\"\"\r\n", new[] { "SET", "k", "A\n\t\"q\"" })]
        [InlineData("SET k 'it\\'s \\n'\r\n", new[] { "SET", "k", "it's \\n" })]
        [InlineData("  PING\t  \r\n", new[] { "PING" })]
        public void InlineCommandsFollowRedisQuoting(string wire, string[] expected)
        {
            var buffer = Sequences.OneBytePieces(Encoding.ASCII.GetBytes(wire));
            Assert.True(CommandReader.TryRead(buffer, RespLimits.Default, out byte[][]? arguments, out SequencePosition end));
            Assert.Equal(expected, arguments!.Select(Encoding.ASCII.GetString));
            Assert.Equal(wire.Length, Sequences.Offset(buffer, end));
        }

        [Fact]
        public void InlineArgumentsAreBinarySafe()
        {
            byte[] wire = Encoding.ASCII.GetBytes("SET k \"\\x00\\xff\\x80\"\r\n");
            Assert.True(CommandReader.TryRead(Sequences.Single(wire), RespLimits.Default, out byte[][]? arguments, out _));
            Assert.Equal(new byte[] { 0x00, 0xff, 0x80 }, arguments![2]);
        }

        [Fact]
        public void LimitsAreTheCallersLimits()
        {
            var limits = new RespLimits { MaxAggregateLength = 3, MaxBulkLength = 10, MaxFrameLength = 64 };
            Assert.Equal("invalid multibulk length", Assert.Throws<RespProtocolException>(
                () => CommandReader.TryRead(Sequences.Single(Sequences.Command("MGET"u8.ToArray(), "a"u8.ToArray(), "b"u8.ToArray(), "c"u8.ToArray())), limits, out _, out _)).RedisReason);
            Assert.Equal("invalid bulk length", Assert.Throws<RespProtocolException>(
                () => CommandReader.TryRead(Sequences.Single(Sequences.Command("GET"u8.ToArray(), new byte[11])), limits, out _, out _)).RedisReason);

            // An incomplete command longer than the frame limit is refused before the rest arrives.
            byte[] partial = Encoding.ASCII.GetBytes("*2\r\n$3\r\nGET\r\n$100\r\n" + new string('x', 50));
            Assert.Contains("frame exceeds", Assert.Throws<RespProtocolException>(
                () => CommandReader.TryRead(Sequences.Single(partial), new RespLimits { MaxFrameLength = 64 }, out _, out _)).Message);
        }

        [Fact]
        public void DeclaredLengthsDoNotDriveAllocation()
        {
            // A billion arguments and a 500 MB argument announced, neither sent.
            foreach (string wire in new[] { "*1000000000\r\n$3\r\nGET\r\n", "*2\r\n$3\r\nSET\r\n$500000000\r\nabc" })
            {
                var buffer = Sequences.Single(Encoding.ASCII.GetBytes(wire));
                CommandReader.TryRead(buffer, RespLimits.Default, out _, out _);
                long before = GC.GetAllocatedBytesForCurrentThread();
                Assert.False(CommandReader.TryRead(buffer, RespLimits.Default, out byte[][]? arguments, out _));
                long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                Assert.Null(arguments);
                Assert.True(allocated < 1024, wire.Split('\r')[0] + ": " + allocated + " bytes allocated");
            }
        }

        [Fact]
        public void AWholeCommandInOneSegmentIsReadAsTheWalkAcrossSegmentsReadsIt()
        {
            // A whole command in the first segment is read from that span; split after its first byte, the walk reads
            // it. Every cut and every framing-byte mutation of a few commands must come out the same both ways: the
            // same arguments and end, the same "more needed", or the same protocol error.
            string[] commands = { "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", "*3\r\n$3\r\nSET\r\n$2\r\nk1\r\n$0\r\n\r\n", "*1\r\n$4\r\nPING\r\n" };
            byte[] probes = Encoding.ASCII.GetBytes("\r\n$*-+0129 x");
            var limits = new RespLimits { MaxBulkLength = 3, MaxAggregateLength = 2 };
            int readWhole = 0;
            foreach (string command in commands)
            {
                byte[] original = Encoding.ASCII.GetBytes(command + "*1\r\n$4\r\nPING\r\n");
                for (int cut = 1; cut <= original.Length; cut++)
                {
                    readWhole += AssertSameBothWays(original.AsSpan(0, cut).ToArray(), RespLimits.Default);
                }

                for (int at = 0; at < command.Length; at++)
                {
                    foreach (byte probe in probes)
                    {
                        byte[] mutated = (byte[])original.Clone();
                        mutated[at] = probe;
                        readWhole += AssertSameBothWays(mutated, RespLimits.Default);
                        readWhole += AssertSameBothWays(mutated, limits);
                    }
                }
            }

            Assert.True(readWhole > 100, readWhole + " commands read");
        }

        /// <summary>1 when the command was read, 0 when more was needed or it was refused; the same both ways or it fails.</summary>
        private static int AssertSameBothWays(byte[] wire, RespLimits limits)
        {
            string Outcome(ReadOnlySequence<byte> buffer)
            {
                try
                {
                    return CommandReader.TryRead(buffer, limits, out byte[][]? arguments, out SequencePosition end)
                        ? "read " + Sequences.Offset(buffer, end) + ": " + string.Join("|", (arguments ?? Array.Empty<byte[]>()).Select(a => Encoding.ASCII.GetString(a)))
                        : "more";
                }
                catch (RespProtocolException ex)
                {
                    return "fault " + ex.Message + " / " + ex.RedisReason;
                }
            }

            string whole = Outcome(Sequences.Single(wire));
            string walked = Outcome(Sequences.Chain(new[] { wire.AsSpan(0, 1).ToArray(), wire.AsSpan(1).ToArray() }));
            Assert.Equal(walked, whole);
            return whole.StartsWith("read", StringComparison.Ordinal) ? 1 : 0;
        }

        private static void AssertReads(ReadOnlySequence<byte> buffer, byte[][] expected, long length)
        {
            Assert.True(CommandReader.TryRead(buffer, RespLimits.Default, out byte[][]? arguments, out SequencePosition end));
            Assert.Equal(expected.Length, arguments!.Length);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.Equal(expected[i], arguments[i]);
            }

            Assert.Equal(length, Sequences.Offset(buffer, end));
        }
    }
}
