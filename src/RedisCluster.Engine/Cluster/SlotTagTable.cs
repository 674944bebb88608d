using System;
using System.Threading;

namespace RedisCluster.Engine.Cluster
{
    /// <summary>
    /// For every slot, a short ASCII tag that hashes to it, so that "{tag}anything" is a key in that slot
    /// (for reaching a chosen node, or probing each slot). Tags are letters and digits only, so they are
    /// safe inside braces and in a typed command line.
    /// </summary>
    public sealed class SlotTagTable
    {
        private const string Alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

        // Three characters from the alphabet already reach every slot; four is a generous ceiling.
        private const int MaxTagLength = 4;

        private static readonly Lazy<SlotTagTable> LazyShared = new Lazy<SlotTagTable>(() => new SlotTagTable(), LazyThreadSafetyMode.ExecutionAndPublication);

        // Packed rather than one array per slot: 16384 small arrays would be most of the table's footprint.
        private readonly byte[] _tags = new byte[HashSlot.Count * MaxTagLength];
        private readonly byte[] _lengths = new byte[HashSlot.Count];

        /// <summary>Builds the table by trying tags shortest first ("0", "1", ... "00", "01", ...) until every slot has one.</summary>
        internal SlotTagTable()
        {
            int missing = HashSlot.Count;
            var tag = new byte[MaxTagLength];
            for (int length = 1; length <= MaxTagLength && missing > 0; length++)
            {
                Fill(tag, 0, length, 0, ref missing);
            }

            if (missing > 0)
            {
                throw new InvalidOperationException(missing + " hash slots have no tag of up to " + MaxTagLength + " characters.");
            }
        }

        /// <summary>The table shared by the whole process, built on first use.</summary>
        public static SlotTagTable Shared => LazyShared.Value;

        /// <summary>A tag whose CRC16 lands in <paramref name="slot"/>; a fresh copy, so callers may keep or change it.</summary>
        public byte[] GetTag(int slot)
        {
            if (slot < 0 || slot >= HashSlot.Count)
            {
                throw new ArgumentOutOfRangeException(nameof(slot), slot, "A hash slot is between 0 and " + (HashSlot.Count - 1) + ".");
            }

            var tag = new byte[_lengths[slot]];
            Buffer.BlockCopy(_tags, slot * MaxTagLength, tag, 0, tag.Length);
            return tag;
        }

        /// <summary>Visits every tag of exactly <paramref name="length"/> characters, carrying the prefix's CRC down so each step hashes one byte.</summary>
        private void Fill(byte[] tag, int position, int length, int prefixCrc, ref int missing)
        {
            for (int i = 0; i < Alphabet.Length && missing > 0; i++)
            {
                tag[position] = (byte)Alphabet[i];
                int crc = HashSlot.Crc16Update(prefixCrc, tag[position]);
                if (position + 1 < length)
                {
                    Fill(tag, position + 1, length, crc, ref missing);
                    continue;
                }

                int slot = crc & (HashSlot.Count - 1);
                if (_lengths[slot] == 0)
                {
                    Buffer.BlockCopy(tag, 0, _tags, slot * MaxTagLength, length);
                    _lengths[slot] = (byte)length;
                    missing--;
                }
            }
        }
    }
}
