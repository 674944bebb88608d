using System;
using System.Globalization;
using System.Text;
using RedisCluster.Engine.Cluster;

namespace RedisCluster.Engine.Fill
{
    /// <summary>
    /// The keys of a fill: key i belongs to group i / group-size, and each group to one slot, so a group
    /// fits one MSET. Consecutive groups are spread over the slot space by an odd stride (a permutation
    /// of the 16384 slots), so even a small fill reaches every primary in proportion to the slots it
    /// owns. A key is "{tag}prefix" followed by i, zero-padded to the key size.
    /// </summary>
    public sealed class FillKeyspace
    {
        private readonly byte[][] _tagged;
        private readonly byte[] _prefix;
        private readonly int _digits;

        public FillKeyspace(long keyCount, int keySize, int group, string prefix)
        {
            KeyCount = keyCount;
            KeySize = keySize;
            Group = Math.Max(1, group);
            _prefix = Encoding.ASCII.GetBytes(prefix);
            _tagged = new byte[HashSlot.Count][];
            int longestTag = 0;
            for (int slot = 0; slot < HashSlot.Count; slot++)
            {
                byte[] tag = SlotTagTable.Shared.GetTag(slot);
                var tagged = new byte[tag.Length + 2];
                tagged[0] = (byte)'{';
                tag.CopyTo(tagged, 1);
                tagged[tagged.Length - 1] = (byte)'}';
                _tagged[slot] = tagged;
                longestTag = Math.Max(longestTag, tagged.Length);
            }

            _digits = keySize - longestTag - _prefix.Length;
            int needed = Math.Max(1, (keyCount - 1).ToString(CultureInfo.InvariantCulture).Length);
            if (_digits < needed)
            {
                throw new ArgumentException("KeySize " + keySize + " is too small for " + keyCount + " keys: it needs at least "
                    + (longestTag + _prefix.Length + needed) + " bytes.");
            }
        }

        public long KeyCount { get; }

        public int KeySize { get; }

        /// <summary>Consecutive keys that share a slot.</summary>
        public int Group { get; }

        public long GroupCount => (KeyCount + Group - 1) / Group;

        /// <summary>Odd, so multiplying by it permutes the 2^14 slots; far from 0 and 16384 so neighbours land far apart.</summary>
        private const int Stride = 6151;

        private static readonly int InverseStride = ComputeInverse();

        public static int SlotOfGroup(long group) => (int)((group % HashSlot.Count) * Stride % HashSlot.Count);

        /// <summary>The position within each round of 16384 groups whose group lands in <paramref name="slot"/>.</summary>
        public static int PositionOfSlot(int slot) => (int)((long)slot * InverseStride % HashSlot.Count);

        private static int ComputeInverse()
        {
            for (int candidate = 1; candidate < HashSlot.Count; candidate += 2)
            {
                if ((long)candidate * Stride % HashSlot.Count == 1)
                {
                    return candidate;
                }
            }

            throw new InvalidOperationException("The stride has no inverse modulo 16384.");
        }

        /// <summary>Writes key <paramref name="index"/> into exactly <see cref="KeySize"/> bytes, without allocating.</summary>
        public void WriteKey(long index, Span<byte> destination)
        {
            byte[] tagged = _tagged[SlotOfGroup(index / Group)];
            tagged.CopyTo(destination);
            int at = tagged.Length;
            _prefix.CopyTo(destination.Slice(at));
            at += _prefix.Length;

            // Zero-pad the number on the left to the remaining width.
            long n = index;
            for (int i = KeySize - 1; i >= at; i--)
            {
                destination[i] = (byte)('0' + (int)(n % 10));
                n /= 10;
            }
        }

        public string KeyText(long index)
        {
            var bytes = new byte[KeySize];
            WriteKey(index, bytes);
            return Encoding.ASCII.GetString(bytes);
        }
    }
}
