using System.Buffers;

namespace RedisCluster.Tests.Protocol
{
    /// <summary>Builds the same bytes as differently segmented sequences.</summary>
    internal static class Sequences
    {
        public static ReadOnlySequence<byte> Single(byte[] data) => new ReadOnlySequence<byte>(data);

        /// <summary>A client command as it goes on the wire: a RESP array of bulk strings.</summary>
        public static byte[] Command(params byte[][] arguments)
        {
            var bytes = new List<byte>(System.Text.Encoding.ASCII.GetBytes("*" + arguments.Length + "\r\n"));
            foreach (byte[] argument in arguments)
            {
                bytes.AddRange(System.Text.Encoding.ASCII.GetBytes("$" + argument.Length + "\r\n"));
                bytes.AddRange(argument);
                bytes.AddRange("\r\n"u8.ToArray());
            }

            return bytes.ToArray();
        }

        /// <summary>Chains the given pieces; empty pieces are kept, since pipes can hand those over too.</summary>
        public static ReadOnlySequence<byte> Chain(IReadOnlyList<byte[]> pieces)
        {
            if (pieces.Count == 0)
            {
                return ReadOnlySequence<byte>.Empty;
            }

            var first = new TestSegment(pieces[0], null);
            TestSegment last = first;
            for (int i = 1; i < pieces.Count; i++)
            {
                last = new TestSegment(pieces[i], last);
            }

            return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
        }

        public static ReadOnlySequence<byte> SplitAt(byte[] data, int at)
            => Chain(new[] { data.AsSpan(0, at).ToArray(), data.AsSpan(at).ToArray() });

        public static ReadOnlySequence<byte> OneBytePieces(byte[] data)
            => Chain(data.Select(b => new[] { b }).ToArray());

        /// <summary>Cuts into pieces of 0..maxPiece bytes (zero-length pieces included on purpose).</summary>
        public static ReadOnlySequence<byte> RandomPieces(byte[] data, Random random, int maxPiece)
        {
            var pieces = new List<byte[]>();
            int at = 0;
            while (at < data.Length)
            {
                int size = Math.Min(random.Next(0, maxPiece + 1), data.Length - at);
                pieces.Add(data.AsSpan(at, size).ToArray());
                at += size;
            }

            return pieces.Count == 0 ? Single(data) : Chain(pieces);
        }

        /// <summary>
        /// Bytes from the start of <paramref name="buffer"/> to <paramref name="position"/>. Unlike GetOffset this is
        /// relative to the buffer even when it is a slice of a longer chain.
        /// </summary>
        public static long Offset(ReadOnlySequence<byte> buffer, SequencePosition position) => buffer.Slice(buffer.Start, position).Length;

        public static byte[] Bytes(string ascii) => System.Text.Encoding.UTF8.GetBytes(ascii);
    }
}
