using System.Buffers;
using System.Text;
using RedisCluster.Tests.Protocol;

namespace RedisCluster.Tests.Tunnel;

/// <summary>
/// Plays the part of a pipe for the stream rewriters: offers each chunk together with whatever the
/// rewriter left unconsumed before, as a multi-segment sequence, and collects the output.
/// </summary>
internal static class StreamFeeder
{
    public delegate SequencePosition Step(ReadOnlySequence<byte> input, IBufferWriter<byte> output, out long written);

    public static byte[] Feed(IEnumerable<byte[]> chunks, Step step, out byte[] leftover)
    {
        var output = new ArrayBufferWriter<byte>();
        var pending = new List<byte[]>();
        long total = 0;
        foreach (byte[] chunk in chunks)
        {
            pending.Add(chunk);
            ReadOnlySequence<byte> input = Sequences.Chain(pending);
            SequencePosition used = step(input, output, out long written);
            total += written;
            byte[] rest = input.Slice(used).ToArray();
            pending.Clear();
            if (rest.Length > 0)
            {
                // Keep the unconsumed part split in two, so the next call also sees a segment boundary in it.
                int half = rest.Length / 2;
                pending.Add(rest[..half]);
                pending.Add(rest[half..]);
            }
        }

        leftover = pending.SelectMany(p => p).ToArray();
        if (total != output.WrittenCount)
        {
            throw new InvalidOperationException($"written reported {total}, output has {output.WrittenCount}");
        }

        return output.WrittenSpan.ToArray();
    }

    /// <summary>Every way of cutting the data in two, plus one byte at a time.</summary>
    public static IEnumerable<(string Name, IReadOnlyList<byte[]> Chunks)> Splits(byte[] data)
    {
        for (int at = 0; at <= data.Length; at++)
        {
            yield return ("split at " + at, new[] { data[..at], data[at..] });
        }

        yield return ("one byte at a time", data.Select(b => new[] { b }).ToArray());
    }

    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    public static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
