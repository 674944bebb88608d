using System.Buffers;
using System.Text;
using RedisCluster.Engine.Protocol;
using Xunit;
using static RedisCluster.Tests.Protocol.RespFrames;

namespace RedisCluster.Tests.Protocol
{
    public class RespWriterTests
    {
        public static IEnumerable<object[]> Commands()
        {
            yield return new object[] { new[] { "PING" } };
            yield return new object[] { new[] { "SET", "key", "value" } };
            yield return new object[] { new[] { "SET", "", "" } };
            yield return new object[] { new[] { "SET", "ключ", "värde ✓", "EX", "10" } };
            yield return new object[] { new[] { "ECHO", "line1\r\nline2\n*3\r\n$1\r\n" } };
            yield return new object[] { new[] { "SET", "big", new string('x', 100_000) } };
            yield return new object[] { Enumerable.Range(0, 1000).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Prepend("RPUSH").ToArray() };
        }

        [Theory]
        [MemberData(nameof(Commands))]
        public void WriteCommand_parses_back_to_the_same_arguments(string[] arguments)
        {
            var args = arguments.Select(a => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(a)).ToList();
            var output = new ArrayBufferWriter<byte>();
            RespWriter.WriteCommand(output, args);

            RespValue parsed = ReadAll(output.WrittenMemory.ToArray());
            Assert.Equal(RespType.Array, parsed.Type);
            Assert.Equal(args.Count, parsed.Items.Count);
            for (int i = 0; i < args.Count; i++)
            {
                Assert.Equal(RespType.BulkString, parsed.Items[i].Type);
                Assert.Equal(args[i].ToArray(), parsed.Items[i].GetBytes());
            }
        }

        [Fact]
        public void WriteCommand_writes_binary_arguments_unchanged()
        {
            byte[] binary = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
            var output = new ArrayBufferWriter<byte>();
            RespWriter.WriteCommand(output, new ReadOnlyMemory<byte>[] { Encoding.ASCII.GetBytes("SET"), binary, ReadOnlyMemory<byte>.Empty });
            Assert.Equal(
                Encoding.ASCII.GetBytes("*3\r\n$3\r\nSET\r\n$256\r\n").Concat(binary).Concat(Encoding.ASCII.GetBytes("\r\n$0\r\n\r\n")),
                output.WrittenSpan.ToArray());
        }

        [Fact]
        public void WriteHeader_formats_extreme_lengths()
        {
            var output = new ArrayBufferWriter<byte>();
            RespWriter.WriteHeader(output, (byte)':', long.MinValue);
            RespWriter.WriteHeader(output, (byte)':', long.MaxValue);
            Assert.Equal(":-9223372036854775808\r\n:9223372036854775807\r\n", Encoding.ASCII.GetString(output.WrittenSpan));
        }

        [Theory]
        [MemberData(nameof(RespFrames.Names), MemberType = typeof(RespFrames))]
        public void WriteValue_resp3_parses_back_to_the_same_value(string name)
        {
            var (wire, expected) = RespFrames.All[name];
            byte[] written = Write(expected, 3);
            RespAssert.Equal(Resp3Nulls(expected), ReadAll(written));

            // Doubles have several spellings (+inf, 10 vs 10.0, exponents) and RESP3 has one null for the
            // RESP2 ones; everything else has exactly one encoding.
            if (!name.StartsWith("double", StringComparison.Ordinal) && !name.Contains("-null", StringComparison.Ordinal))
            {
                Assert.Equal(Encoding.UTF8.GetString(wire), Encoding.UTF8.GetString(written));
            }
        }

        [Theory]
        [MemberData(nameof(RespFrames.Names), MemberType = typeof(RespFrames))]
        public void WriteValue_resp2_parses_back_to_the_downgraded_value(string name)
        {
            RespValue value = RespFrames.All[name].Expected;
            RespValue parsed = ReadAll(Write(value, 2));
            RespAssert.Equal(Downgrade(value), parsed);
            AssertResp2Only(parsed);
        }

        [Theory]
        [InlineData(2, "%2\r\n+a\r\n:1\r\n+b\r\n#t\r\n", "*4\r\n+a\r\n:1\r\n+b\r\n:1\r\n")]
        [InlineData(2, "#t\r\n", ":1\r\n")]
        [InlineData(2, "#f\r\n", ":0\r\n")]
        [InlineData(2, ",1.5\r\n", "$3\r\n1.5\r\n")]
        [InlineData(2, ",-inf\r\n", "$4\r\n-inf\r\n")]
        [InlineData(2, ",nan\r\n", "$3\r\nnan\r\n")]
        [InlineData(2, "_\r\n", "$-1\r\n")]
        [InlineData(2, "$-1\r\n", "$-1\r\n")]
        [InlineData(2, "*-1\r\n", "*-1\r\n")]
        [InlineData(2, "~2\r\n:1\r\n:2\r\n", "*2\r\n:1\r\n:2\r\n")]
        [InlineData(2, ">2\r\n+message\r\n+x\r\n", "*2\r\n+message\r\n+x\r\n")]
        [InlineData(2, "(12345678901234567890\r\n", "$20\r\n12345678901234567890\r\n")]
        [InlineData(2, "!9\r\nERR a\r\nbc\r\n", "-ERR a  bc\r\n")]
        [InlineData(2, "=7\r\ntxt:abc\r\n", "$3\r\nabc\r\n")]
        [InlineData(2, "|1\r\n+ttl\r\n:1\r\n+v\r\n", "+v\r\n")]
        [InlineData(3, "$-1\r\n", "_\r\n")]
        [InlineData(3, "*-1\r\n", "_\r\n")]
        [InlineData(3, ",1.5e10\r\n", ",15000000000\r\n")]
        [InlineData(3, ",+inf\r\n", ",inf\r\n")]
        [InlineData(3, ",1e300\r\n", ",1E+300\r\n")]
        public void WriteValue_writes_the_expected_bytes(int protocol, string input, string output)
        {
            RespValue value = ReadAll(Encoding.ASCII.GetBytes(input));
            Assert.Equal(output, Encoding.ASCII.GetString(Write(value, protocol)));
        }

        [Theory]
        [InlineData(RespType.Map)]
        [InlineData(RespType.Set)]
        [InlineData(RespType.Push)]
        public void WriteValue_writes_a_null_aggregate_as_null_not_as_empty(RespType type)
        {
            RespValue value = RespValue.Create(type, null);
            Assert.True(value.IsNull);
            Assert.Equal("_\r\n", Encoding.ASCII.GetString(Write(value, 3)));
            Assert.Equal("*-1\r\n", Encoding.ASCII.GetString(Write(value, 2)));
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void WriteValue_cannot_be_made_to_emit_extra_frames_through_line_values(int protocol)
        {
            var values = new[]
            {
                RespValue.SimpleString("OK\r\n+INJECTED"),
                RespValue.Error("ERR bad\r\n-INJECTED"),
                RespValue.SimpleString("a\nb\rc"),
                RespValue.Create(RespType.BulkError, Encoding.ASCII.GetBytes("ERR x\r\n:1")),
            };

            foreach (RespValue value in values)
            {
                byte[] written = Write(value, protocol);
                RespValue parsed = ReadAll(written);
                Assert.Equal(value.IsError, parsed.IsError);
            }
        }

        private static byte[] Write(RespValue value, int protocol)
        {
            var output = new ArrayBufferWriter<byte>();
            RespWriter.WriteValue(output, value, protocol);
            return output.WrittenSpan.ToArray();
        }

        /// <summary>Parses exactly one frame that must span all of <paramref name="bytes"/>.</summary>
        private static RespValue ReadAll(byte[] bytes)
        {
            var buffer = Sequences.Single(bytes);
            Assert.True(RespReader.TryRead(buffer, RespLimits.Default, out RespValue value, out SequencePosition end));
            Assert.Equal(bytes.Length, Sequences.Offset(buffer, end));
            return value;
        }

        /// <summary>RESP3 has a single null type: $-1 and *-1 are written as _.</summary>
        private static RespValue Resp3Nulls(RespValue value)
        {
            if (value.IsNull && (value.Type == RespType.BulkString || value.Type == RespType.Array))
            {
                return RespValue.Null;
            }

            if (!value.IsAggregate)
            {
                return value;
            }

            RespValue copy = RespValue.Create(value.Type, null, items: value.Items.Select(Resp3Nulls).ToArray());
            return value.Attributes == null ? copy : copy.WithAttributes(Resp3Nulls(value.Attributes));
        }

        /// <summary>What a RESP2 client must see for a RESP3 value, following Redis's own downgrade rules.</summary>
        private static RespValue Downgrade(RespValue value)
        {
            switch (value.Type)
            {
                case RespType.Null:
                    return RespValue.NullBulkString;
                case RespType.Boolean:
                    return Int(value.Boolean ? 1 : 0);
                case RespType.Double:
                    return Bulk(value.GetString()!);
                case RespType.BigNumber:
                case RespType.VerbatimString:
                    return Bulk(value.GetBytes()!);
                case RespType.BulkError:
                    return Err(value.GetString()!.Replace('\r', ' ').Replace('\n', ' '));
                case RespType.Array:
                case RespType.Map:
                case RespType.Set:
                case RespType.Push:
                    return value.IsNull ? RespValue.NullArray : Arr(value.Items.Select(Downgrade).ToArray());
                case RespType.SimpleString:
                    return Simple(value.GetString()!);
                case RespType.Error:
                    return Err(value.GetString()!);
                case RespType.Integer:
                    return Int(value.Integer);
                case RespType.BulkString:
                    return value.IsNull ? RespValue.NullBulkString : Bulk(value.GetBytes()!);
                default:
                    throw new InvalidOperationException("unexpected " + value.Type);
            }
        }

        private static void AssertResp2Only(RespValue value)
        {
            Assert.Null(value.Attributes);
            Assert.Contains(value.Type, new[] { RespType.SimpleString, RespType.Error, RespType.Integer, RespType.BulkString, RespType.Array });
            foreach (RespValue item in value.Items)
            {
                AssertResp2Only(item);
            }
        }
    }
}
