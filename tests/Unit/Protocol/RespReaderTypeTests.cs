using System.Buffers;
using System.Text;
using RedisCluster.Engine.Protocol;
using Xunit;

namespace RedisCluster.Tests.Protocol
{
    public class RespReaderTypeTests
    {
        [Theory]
        [MemberData(nameof(RespFrames.Names), MemberType = typeof(RespFrames))]
        public void Frame_parses_to_expected_value_and_consumes_exactly_the_frame(string name)
        {
            var (wire, expected) = RespFrames.All[name];
            var buffer = Sequences.Single(wire);

            Assert.True(RespReader.TryRead(buffer, RespLimits.Default, out RespValue value, out SequencePosition end));
            RespAssert.Equal(expected, value);
            Assert.Equal(wire.Length, Sequences.Offset(buffer, end));
        }

        [Fact]
        public void Bulk_null_and_array_null_are_null_of_their_wire_type()
        {
            RespValue bulk = Read("$-1\r\n");
            Assert.Equal(RespType.BulkString, bulk.Type);
            Assert.True(bulk.IsNull);
            Assert.Null(bulk.GetBytes());

            RespValue array = Read("*-1\r\n");
            Assert.Equal(RespType.Array, array.Type);
            Assert.True(array.IsNull);
            Assert.Empty(array.Items);

            RespValue resp3 = Read("_\r\n");
            Assert.Equal(RespType.Null, resp3.Type);
            Assert.True(resp3.IsNull);
        }

        [Fact]
        public void Empty_bulk_and_empty_array_are_not_null()
        {
            RespValue bulk = Read("$0\r\n\r\n");
            Assert.False(bulk.IsNull);
            Assert.Empty(bulk.GetBytes()!);

            RespValue array = Read("*0\r\n");
            Assert.False(array.IsNull);
            Assert.Empty(array.Items);
        }

        [Fact]
        public void Errors_expose_their_prefix()
        {
            RespValue error = Read("-MOVED 3999 127.0.0.1:6381\r\n");
            Assert.True(error.IsError);
            Assert.Equal("MOVED", error.ErrorPrefix);

            RespValue bulkError = Read("!21\r\nSYNTAX invalid syntax\r\n");
            Assert.True(bulkError.IsError);
            Assert.Equal("SYNTAX", bulkError.ErrorPrefix);
        }

        [Fact]
        public void Verbatim_string_separates_format_from_text()
        {
            RespValue value = Read("=15\r\ntxt:Some string\r\n");
            Assert.Equal("txt", value.VerbatimFormat);
            Assert.Equal("Some string", value.GetString());
        }

        [Fact]
        public void Booleans_and_doubles_convert()
        {
            Assert.True(Read("#t\r\n").Boolean);
            Assert.False(Read("#f\r\n").Boolean);
            Assert.Equal(1.5e10, Read(",1.5e10\r\n").Double);
            Assert.True(double.IsPositiveInfinity(Read(",inf\r\n").Double));
            Assert.True(double.IsNegativeInfinity(Read(",-inf\r\n").Double));
            Assert.True(double.IsNaN(Read(",nan\r\n").Double));
        }

        [Fact]
        public void Map_lists_keys_and_values_alternately()
        {
            RespValue map = Read("%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n");
            Assert.Equal(RespType.Map, map.Type);
            var pairs = map.AsPairs().ToList();
            Assert.Equal(new[] { "first", "second" }, pairs.Select(p => p.Key));
            Assert.Equal(new long[] { 1, 2 }, pairs.Select(p => p.Value.Integer));
        }

        [Fact]
        public void Attribute_is_attached_to_the_following_value_not_returned_on_its_own()
        {
            RespValue value = Read("|1\r\n+ttl\r\n:3600\r\n$3\r\nabc\r\n");
            Assert.Equal(RespType.BulkString, value.Type);
            Assert.Equal("abc", value.GetString());
            Assert.NotNull(value.Attributes);
            Assert.Equal(RespType.Attribute, value.Attributes!.Type);
            Assert.Equal("ttl", value.Attributes.Items[0].GetString());
            Assert.Equal(3600, value.Attributes.Items[1].Integer);
        }

        [Fact]
        public void Consecutive_attributes_are_merged_onto_the_value()
        {
            RespValue value = Read("|1\r\n+a\r\n:1\r\n|1\r\n+b\r\n:2\r\n:7\r\n");
            Assert.Equal(7, value.Integer);
            Assert.Equal(new[] { "a", "1", "b", "2" }, value.Attributes!.Items.Select(i => i.GetString()));
        }

        [Fact]
        public void Frames_back_to_back_are_read_one_after_another_by_continuing_from_end()
        {
            string[] frames = { "+OK\r\n", ":42\r\n", "$3\r\nfoo\r\n", "*2\r\n:1\r\n_\r\n", "%1\r\n+k\r\n#t\r\n", "|1\r\n+a\r\n:1\r\n,2.5\r\n", ">1\r\n+p\r\n" };
            byte[] all = Encoding.ASCII.GetBytes(string.Concat(frames));

            foreach (var buffer in new[] { Sequences.Single(all), Sequences.OneBytePieces(all), Sequences.RandomPieces(all, new Random(7), 5) })
            {
                var rest = buffer;
                var types = new List<RespType>();
                while (RespReader.TryRead(rest, RespLimits.Default, out RespValue value, out SequencePosition end))
                {
                    types.Add(value.Type);
                    Assert.True(RespFrameSkipper.TrySkipWhole(rest, RespLimits.Default, out SequencePosition skipEnd));
                    Assert.Equal(Sequences.Offset(rest, end), Sequences.Offset(rest, skipEnd));
                    rest = rest.Slice(end);
                }

                Assert.Equal(0, rest.Length);
                Assert.Equal(
                    new[] { RespType.SimpleString, RespType.Integer, RespType.BulkString, RespType.Array, RespType.Map, RespType.Double, RespType.Push },
                    types);
            }
        }

        [Fact]
        public void Incomplete_read_reports_buffer_start_as_end()
        {
            var buffer = Sequences.Single(Encoding.ASCII.GetBytes("*2\r\n:1\r\n"));
            Assert.False(RespReader.TryRead(buffer, RespLimits.Default, out _, out SequencePosition end));
            Assert.Equal(0, Sequences.Offset(buffer, end));
            Assert.False(RespFrameSkipper.TrySkipWhole(buffer, RespLimits.Default, out end));
            Assert.Equal(0, Sequences.Offset(buffer, end));
        }

        private static RespValue Read(string wire)
        {
            Assert.True(RespReader.TryRead(Sequences.Single(Encoding.UTF8.GetBytes(wire)), RespLimits.Default, out RespValue value, out _));
            return value;
        }
    }
}
