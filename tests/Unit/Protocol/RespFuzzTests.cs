using System.Buffers;
using System.Diagnostics;
using System.Text;
using RedisCluster.Engine.Protocol;
using Xunit;
using Xunit.Abstractions;

namespace RedisCluster.Tests.Protocol
{
    /// <summary>
    /// Seeded fuzzing of the reader: whatever the bytes, the only outcomes are a value, "need more", or a
    /// RespProtocolException; the outcome does not depend on segmentation; TrySkip agrees with TryRead;
    /// and nothing allocates much beyond the size of the input.
    /// </summary>
    public class RespFuzzTests
    {
        private const int Inputs = 20_000;
        private const long AllocationSlack = 64 * 1024;
        private static readonly byte[] Alphabet = Encoding.ASCII.GetBytes("+-:$*_#,(!=%~|>\r\n\r\n0123456789-1tfabcx.eE");

        private readonly ITestOutputHelper _output;

        public RespFuzzTests(ITestOutputHelper output)
        {
            _output = output;
        }

        private enum Outcome
        {
            Value,
            NeedMore,
            ProtocolError,
        }

        [Fact]
        public void Random_and_mutated_streams_only_parse_need_more_or_throw_protocol_errors()
        {
            var random = new Random(20_261_124);
            var limits = new RespLimits { MaxBulkLength = 256, MaxAggregateLength = 32, MaxDepth = 8, MaxLineLength = 128, MaxFrameLength = 4096 };
            byte[][] seeds = RespFrames.All.Values.Select(v => v.Wire).ToArray();
            var counts = new Dictionary<Outcome, int> { [Outcome.Value] = 0, [Outcome.NeedMore] = 0, [Outcome.ProtocolError] = 0 };
            long worstOverInput = 0;
            var clock = Stopwatch.StartNew();

            for (int i = 0; i < Inputs; i++)
            {
                byte[] input = Generate(random, seeds);
                string context = "input #" + i + ": " + Convert.ToHexString(input);

                var single = Sequences.Single(input);
                var (read, value, end, readAllocated) = Read(single, limits, context);
                var (skip, skipEnd, skipAllocated) = Skip(single, limits, context);
                counts[read]++;
                worstOverInput = Math.Max(worstOverInput, Math.Max(readAllocated, skipAllocated) - input.Length);
                Assert.True(readAllocated < input.Length + AllocationSlack, context + ": TryRead allocated " + readAllocated + " bytes");
                Assert.True(skipAllocated < input.Length + AllocationSlack, context + ": TrySkip allocated " + skipAllocated + " bytes");

                // The skipper is the stream scanner, which checks the framing (markers, header numbers, limits) but not
                // the text of a line value or the nesting depth, and reads header numbers as strictly as Redis does (no
                // leading zeros, no line too long to be a number). Where both find a whole value they find the same
                // end; the skipper never needs more where the reader found a value, and never claims a value where
                // the reader needs more.
                if (read == Outcome.Value)
                {
                    Assert.True(skip != Outcome.NeedMore, context + ": TryRead gave a value but the skipper needs more");
                    if (skip == Outcome.Value)
                    {
                        Assert.Equal(end, skipEnd);
                    }
                }
                else if (read == Outcome.NeedMore)
                {
                    Assert.True(skip != Outcome.Value, context + ": TryRead needs more but the skipper found a value");
                }

                var pieces = random.Next(2) == 0 ? Sequences.OneBytePieces(input) : Sequences.RandomPieces(input, random, 1 + random.Next(16));
                var (pieceRead, pieceValue, pieceEnd, _) = Read(pieces, limits, context);
                Assert.True(read == pieceRead, context + ": one segment gave " + read + " but several gave " + pieceRead);
                if (read == Outcome.Value)
                {
                    RespAssert.Equal(value!, pieceValue!);
                    Assert.Equal(end, pieceEnd);
                }
            }

            _output.WriteLine(
                Inputs + " inputs in " + clock.ElapsedMilliseconds + " ms: " + string.Join(", ", counts.Select(c => c.Key + "=" + c.Value))
                + "; worst allocation beyond input size " + worstOverInput + " bytes");

            // A fuzzer that only ever hits one outcome is not exploring anything.
            Assert.All(counts.Values, count => Assert.True(count > Inputs / 20, "outcomes: " + string.Join(", ", counts)));
        }

        private static (Outcome, RespValue?, long, long) Read(ReadOnlySequence<byte> buffer, RespLimits limits, string context)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                bool ok = RespReader.TryRead(buffer, limits, out RespValue value, out SequencePosition end);
                long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                return ok ? (Outcome.Value, value, Sequences.Offset(buffer, end), allocated) : (Outcome.NeedMore, null, -1, allocated);
            }
            catch (RespProtocolException)
            {
                return (Outcome.ProtocolError, null, -1, GC.GetAllocatedBytesForCurrentThread() - before);
            }
            catch (Exception e)
            {
                throw new Xunit.Sdk.XunitException(context + ": TryRead threw " + e);
            }
        }

        private static (Outcome, long, long) Skip(ReadOnlySequence<byte> buffer, RespLimits limits, string context)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                bool ok = RespFrameSkipper.TrySkipWhole(buffer, limits, out SequencePosition end);
                long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                return ok ? (Outcome.Value, Sequences.Offset(buffer, end), allocated) : (Outcome.NeedMore, -1, allocated);
            }
            catch (RespProtocolException)
            {
                return (Outcome.ProtocolError, -1, GC.GetAllocatedBytesForCurrentThread() - before);
            }
            catch (Exception e)
            {
                throw new Xunit.Sdk.XunitException(context + ": TrySkip threw " + e);
            }
        }

        private static byte[] Generate(Random random, byte[][] seeds)
        {
            switch (random.Next(6))
            {
                case 0:
                    return RandomBytes(random, random.Next(65), any: true);
                case 1:
                    return RandomBytes(random, random.Next(65), any: false);
                case 2:
                    return Mutate(random, seeds[random.Next(seeds.Length)], seeds);
                case 3:
                    return WriteRandomValue(random);
                default:
                    return Mutate(random, WriteRandomValue(random), seeds);
            }
        }

        private static byte[] RandomBytes(Random random, int length, bool any)
        {
            var bytes = new byte[length];
            for (int i = 0; i < length; i++)
            {
                bytes[i] = any ? (byte)random.Next(256) : Alphabet[random.Next(Alphabet.Length)];
            }

            return bytes;
        }

        private static byte[] Mutate(Random random, byte[] frame, byte[][] seeds)
        {
            var bytes = new List<byte>(frame);
            int mutations = 1 + random.Next(3);
            for (int m = 0; m < mutations; m++)
            {
                int at = random.Next(bytes.Count + 1);
                switch (random.Next(8))
                {
                    case 0 when at < bytes.Count:
                        bytes[at] ^= (byte)(1 << random.Next(8));
                        break;
                    case 1 when at < bytes.Count:
                        bytes[at] = Alphabet[random.Next(Alphabet.Length)];
                        break;
                    case 2:
                        bytes.RemoveRange(at, bytes.Count - at);
                        break;
                    case 3:
                        bytes.Insert(at, Alphabet[random.Next(Alphabet.Length)]);
                        break;
                    case 4 when at < bytes.Count:
                        bytes.RemoveAt(at);
                        break;
                    case 5:
                        // Splice: another frame's tail lands in the middle of this one.
                        byte[] other = seeds[random.Next(seeds.Length)];
                        bytes.InsertRange(at, other.Skip(random.Next(other.Length)));
                        break;
                    case 6:
                        // Large or negative counts and lengths, where the limits must bite.
                        bytes.InsertRange(at, Encoding.ASCII.GetBytes(
                            "*$%!=~>|"[random.Next(8)] + (random.Next(3) == 0 ? "-" : string.Empty) + random.Next(int.MaxValue).ToString(System.Globalization.CultureInfo.InvariantCulture) + "\r\n"));
                        break;
                    default:
                        bytes.Add(Alphabet[random.Next(Alphabet.Length)]);
                        break;
                }
            }

            return bytes.ToArray();
        }

        private static byte[] WriteRandomValue(Random random)
        {
            var output = new ArrayBufferWriter<byte>();
            RespWriter.WriteValue(output, RandomValue(random, 0), random.Next(4) == 0 ? 2 : 3);
            return output.WrittenSpan.ToArray();
        }

        private static RespValue RandomValue(Random random, int depth)
        {
            // Occasionally nest past MaxDepth (8) so depth errors come up too.
            int kinds = depth >= 10 ? 10 : 16;
            RespValue value;
            switch (random.Next(kinds))
            {
                case 0: value = RespValue.SimpleString(Text(random)); break;
                case 1: value = RespValue.Error("ERR " + Text(random)); break;
                case 2: value = RespValue.FromInteger(random.NextInt64(long.MinValue, long.MaxValue)); break;
                case 3: value = RespValue.BulkString(RandomBytes(random, random.Next(40), any: true)); break;
                case 4: value = random.Next(2) == 0 ? RespValue.NullBulkString : RespValue.Null; break;
                case 5: value = RespValue.FromBoolean(random.Next(2) == 0); break;
                case 6: value = RespValue.FromDouble(random.Next(5) == 0 ? double.NaN : (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-20, 20))); break;
                case 7: value = RespValue.Create(RespType.BigNumber, Encoding.ASCII.GetBytes("-" + random.NextInt64().ToString(System.Globalization.CultureInfo.InvariantCulture) + "123456789")); break;
                case 8: value = RespValue.Create(RespType.BulkError, Encoding.ASCII.GetBytes("ERR " + Text(random))); break;
                case 9: value = RespValue.Create(RespType.VerbatimString, Encoding.UTF8.GetBytes(Text(random)), verbatimFormat: "txt"); break;
                case 10: value = RespValue.Array(Items(random, depth, 1)); break;
                case 11: value = RespValue.Create(RespType.Map, null, items: Items(random, depth, 2)); break;
                case 12: value = RespValue.Create(RespType.Set, null, items: Items(random, depth, 1)); break;
                case 13: value = RespValue.Create(RespType.Push, null, items: Items(random, depth, 1)); break;
                case 14: value = RespValue.NullArray; break;
                default: value = RespValue.Array(Items(random, depth, 1)); break;
            }

            if (random.Next(12) == 0)
            {
                value = value.WithAttributes(RespValue.Create(RespType.Attribute, null, items: Items(random, depth, 2)));
            }

            return value;
        }

        private static RespValue[] Items(Random random, int depth, int multiplier)
        {
            var items = new RespValue[random.Next(4) * multiplier];
            for (int i = 0; i < items.Length; i++)
            {
                items[i] = RandomValue(random, depth + 1);
            }

            return items;
        }

        private static string Text(Random random)
        {
            var sb = new StringBuilder();
            int length = random.Next(20);
            for (int i = 0; i < length; i++)
            {
                sb.Append((char)random.Next(0x20, 0x7f));
            }

            return sb.ToString();
        }
    }
}
