using System.Buffers;
using System.Text;
using RedisCluster.Engine.Protocol;
using Xunit;

namespace RedisCluster.Tests.Protocol
{
    public class RespReaderMalformedTests
    {
        private static readonly Dictionary<string, (string Wire, Action<RespLimits> Limit, string Message)> Cases = new()
        {
            ["bulk-over-limit"] = ("$11\r\nhello world\r\n", l => l.MaxBulkLength = 10, "Bulk length 11 exceeds the limit of 10 bytes"),
            ["bulk-over-limit-before-payload-arrives"] = ("$11\r\n", l => l.MaxBulkLength = 10, "exceeds the limit of 10 bytes"),
            ["bulk-error-over-limit"] = ("!11\r\n", l => l.MaxBulkLength = 10, "exceeds the limit of 10 bytes"),
            ["verbatim-over-limit"] = ("=15\r\ntxt:Some string\r\n", l => l.MaxBulkLength = 10, "exceeds the limit of 10 bytes"),
            ["bulk-negative"] = ("$-2\r\n", _ => { }, "Invalid bulk length -2"),
            ["bulk-error-null"] = ("!-1\r\n", _ => { }, "Invalid bulk length -1"),
            ["verbatim-null"] = ("=-1\r\n", _ => { }, "Invalid bulk length -1"),
            ["array-negative"] = ("*-5\r\n", _ => { }, "Invalid aggregate length -5"),
            ["array-negative-two"] = ("*-2\r\n", _ => { }, "Invalid aggregate length -2"),
            ["map-null"] = ("%-1\r\n", _ => { }, "Invalid aggregate length -1"),
            ["set-negative"] = ("~-3\r\n", _ => { }, "Invalid aggregate length -3"),
            ["push-negative"] = (">-1\r\n", _ => { }, "Invalid aggregate length -1"),
            ["attribute-negative"] = ("|-1\r\n:1\r\n", _ => { }, "Invalid aggregate length -1"),
            ["aggregate-over-limit"] = ("*4\r\n", l => l.MaxAggregateLength = 3, "Aggregate length 4 exceeds the limit of 3"),
            ["too-deep"] = ("*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n", l => l.MaxDepth = 3, "nested deeper than 3 levels"),
            ["too-deep-mixed"] = ("%1\r\n+k\r\n~1\r\n>1\r\n*0\r\n", l => l.MaxDepth = 3, "nested deeper than 3 levels"),
            ["too-deep-attribute"] = ("*1\r\n|1\r\n+k\r\n:1\r\n:2\r\n", l => l.MaxDepth = 1, "nested deeper than 1 levels"),
            ["too-deep-default"] = (string.Concat(Enumerable.Repeat("*1\r\n", 65)) + ":1\r\n", _ => { }, "nested deeper than 64 levels"),
            ["unknown-type-x"] = ("x\r\n", _ => { }, "Unexpected byte 'x'"),
            ["unknown-type-nul"] = ("\0", _ => { }, "Unexpected byte 0x00"),
            ["unknown-type-in-array"] = ("*2\r\n:1\r\n?\r\n", _ => { }, "Unexpected byte '?'"),
            ["unknown-type-cr"] = ("\r\n", _ => { }, "Unexpected byte 0x0d"),
            ["inline-command"] = ("PING\r\n", _ => { }, "Unexpected byte 'P'"),
            ["integer-bad"] = (":12a\r\n", _ => { }, "Invalid integer in RESP header: '12a'"),
            ["integer-empty"] = (":\r\n", _ => { }, "Invalid integer"),
            ["integer-plus"] = (":+1\r\n", _ => { }, "Invalid integer"),
            ["integer-space"] = (": 1\r\n", _ => { }, "Invalid integer"),
            ["integer-overflow"] = (":9223372036854775808\r\n", _ => { }, "Invalid integer"),
            ["integer-too-long"] = (":" + new string('1', 100), _ => { }, "Invalid integer"),
            ["bulk-length-bad"] = ("$1x\r\na\r\n", _ => { }, "Invalid integer"),
            ["bulk-missing-crlf"] = ("$3\r\nabcde\r\n", _ => { }, "Bulk payload not terminated by CRLF"),
            ["bulk-missing-crlf-short"] = ("$3\r\nabcd", _ => { }, "Bulk payload not terminated by CRLF"),
            ["bulk-lf-only"] = ("$3\r\nabc\n\r\n", _ => { }, "Bulk payload not terminated by CRLF"),
            ["bulk-cr-then-other"] = ("$3\r\nabc\rx", _ => { }, "Bulk payload not terminated by CRLF"),
            ["bare-lf-simple-incomplete"] = ("+OK\n", _ => { }, "Line feed without carriage return"),
            ["bare-lf-simple"] = ("+O\nK\r\n", _ => { }, "Line feed without carriage return"),
            ["bare-lf-error"] = ("-ERR\n", _ => { }, "Line feed without carriage return"),
            ["bare-lf-integer"] = (":1\n", _ => { }, "Line feed without carriage return"),
            ["bare-lf-header"] = ("*1\n:1\n", _ => { }, "Line feed without carriage return"),
            ["bare-lf-bignumber"] = ("(1\n", _ => { }, "Line feed without carriage return"),
            ["cr-without-lf"] = ("+OK\rX\r\n", _ => { }, "Carriage return not followed by line feed"),
            ["cr-without-lf-integer"] = (":1\r2\r\n", _ => { }, "Carriage return not followed by line feed"),
            ["line-too-long"] = ("+" + new string('a', 17) + "\r\n", l => l.MaxLineLength = 16, "RESP line longer than the limit of 16 bytes"),
            ["line-too-long-incomplete"] = ("-" + new string('a', 17), l => l.MaxLineLength = 16, "RESP line longer than the limit of 16 bytes"),
            ["line-too-long-bignumber"] = ("(" + new string('1', 17) + "\r\n", l => l.MaxLineLength = 16, "RESP line longer than the limit of 16 bytes"),
            ["frame-too-large-incomplete-bulk"] = ("$1000\r\n" + new string('x', 100), l => l.MaxFrameLength = 64, "RESP frame exceeds the limit of 64 bytes"),
            ["frame-too-large-incomplete-array"] = ("*100\r\n" + string.Concat(Enumerable.Repeat(":1\r\n", 20)), l => l.MaxFrameLength = 64, "RESP frame exceeds the limit of 64 bytes"),
            ["boolean-bad"] = ("#x\r\n", _ => { }, "Invalid RESP3 boolean"),
            ["boolean-word"] = ("#true\r\n", _ => { }, "Invalid RESP3 boolean"),
            ["boolean-empty"] = ("#\r\n", _ => { }, "Invalid RESP3 boolean"),
            ["null-with-payload"] = ("_x\r\n", _ => { }, "Invalid RESP3 null"),
            ["double-two-points"] = (",1.2.3\r\n", _ => { }, "Invalid double in RESP: '1.2.3'"),
            ["double-word"] = (",abc\r\n", _ => { }, "Invalid double"),
            ["double-empty"] = (",\r\n", _ => { }, "Invalid double"),
            ["double-space"] = (", 1.5\r\n", _ => { }, "Invalid double"),
            ["double-trailing-space"] = (",1.5 \r\n", _ => { }, "Invalid double"),
            ["double-dotnet-infinity"] = (",Infinity\r\n", _ => { }, "Invalid double"),
            ["double-hex"] = (",0x10\r\n", _ => { }, "Invalid double"),
            ["double-too-long"] = ("," + new string('1', 1000) + "\r\n", _ => { }, "Invalid double"),
            ["bignumber-letters"] = ("(12a\r\n", _ => { }, "Invalid digit in RESP3 big number"),
            ["bignumber-empty"] = ("(\r\n", _ => { }, "Empty RESP3 big number"),
            ["bignumber-sign-only"] = ("(-\r\n", _ => { }, "Empty RESP3 big number"),
            ["verbatim-no-format"] = ("=3\r\nabc\r\n", _ => { }, "Verbatim string without a three-letter format prefix"),
            ["verbatim-no-colon"] = ("=5\r\ntxtxx\r\n", _ => { }, "Verbatim string without a three-letter format prefix"),
        };

        public static IEnumerable<object[]> Names => Cases.Keys.Select(k => new object[] { k });

        [Theory]
        [MemberData(nameof(Names))]
        public void Malformed_input_throws_a_protocol_exception_with_a_clear_message(string name)
        {
            var (wire, limit, message) = Cases[name];
            var limits = new RespLimits();
            limit(limits);
            byte[] bytes = Encoding.UTF8.GetBytes(wire);

            foreach (var buffer in new[] { Sequences.Single(bytes), Sequences.OneBytePieces(bytes) })
            {
                var read = Assert.Throws<RespProtocolException>(() => RespReader.TryRead(buffer, limits, out _, out _));
                Assert.Contains(message, read.Message, StringComparison.Ordinal);

            }
        }

        [Fact]
        public void Exception_reports_where_in_the_frame_the_problem_is()
        {
            var e = Assert.Throws<RespProtocolException>(() => RespReader.TryRead(Sequences.Single(Encoding.ASCII.GetBytes("*2\r\n:1\r\nx")), RespLimits.Default, out _, out _));
            Assert.Equal(8, e.Offset);
            Assert.Contains("at byte 8", e.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void A_complete_frame_larger_than_the_frame_limit_is_still_returned()
        {
            // The frame limit bounds buffering of incomplete frames; a frame already complete costs nothing more to accept.
            var limits = new RespLimits { MaxFrameLength = 8 };
            byte[] wire = Encoding.ASCII.GetBytes("$10\r\n0123456789\r\n");
            Assert.True(RespReader.TryRead(Sequences.Single(wire), limits, out RespValue value, out _));
            Assert.Equal("0123456789", value.GetString());
        }

        [Fact]
        public void An_incomplete_frame_at_exactly_the_frame_limit_still_waits()
        {
            var limits = new RespLimits { MaxFrameLength = 10 };
            byte[] wire = Encoding.ASCII.GetBytes("$20\r\n01234");
            Assert.Equal(10, wire.Length);
            Assert.False(RespReader.TryRead(Sequences.Single(wire), limits, out _, out _));
            Assert.False(RespFrameSkipper.TrySkipWhole(Sequences.Single(wire), limits, out _));
        }

        [Fact]
        public void A_long_chain_of_attributes_does_not_exhaust_the_stack()
        {
            byte[] wire = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("|0\r\n", 500_000)) + ":1\r\n");
            Assert.True(RespReader.TryRead(Sequences.Single(wire), RespLimits.Default, out RespValue value, out _));
            Assert.Equal(1, value.Integer);
            Assert.Empty(value.Attributes!.Items);
            Assert.True(RespFrameSkipper.TrySkipWhole(Sequences.Single(wire), RespLimits.Default, out SequencePosition end));
            Assert.Equal(wire.Length, Sequences.Offset(Sequences.Single(wire), end));
        }
    }
}
