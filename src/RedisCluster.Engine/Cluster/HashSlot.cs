using System;
using System.Buffers;
using System.Text;

namespace RedisCluster.Engine.Cluster
{
    /// <summary>Redis Cluster key-to-slot mapping: CRC16-XMODEM of the key (or its hash tag), modulo 16384.</summary>
    public static class HashSlot
    {
        public const int Count = 16384;

        // Slot numbers are the low 14 bits, which is why Count must stay a power of two.
        private const int SlotMask = Count - 1;

        // Keys up to this many bytes are encoded on the stack rather than in a pooled array.
        private const int StackKeyLength = 256;

        private static readonly ushort[] Table = BuildTable();

        /// <summary>CRC16-XMODEM (polynomial 0x1021, initial value 0, no reflection, no final XOR).</summary>
        public static int Crc16(ReadOnlySpan<byte> data)
        {
            int crc = 0;
            foreach (byte b in data)
            {
                crc = Crc16Update(crc, b);
            }

            return crc;
        }

        /// <summary>
        /// The slot of a key. If the key holds a '{' and, after it, a '}' with at least one byte between them,
        /// only the bytes between the first '{' and the first '}' after it are hashed (the hash tag), which is
        /// how related keys are kept on one node.
        /// </summary>
        public static int GetSlot(ReadOnlySpan<byte> key) => Crc16(HashedPart(key)) & SlotMask;

        /// <summary>The slot of a key given as text, which Redis sees as its UTF-8 bytes.</summary>
        public static int GetSlot(string key)
        {
            if (key == null)
            {
                throw new ArgumentNullException(nameof(key));
            }

            // netstandard2.0 cannot UTF-8 encode into a span without unsafe code, but ASCII (nearly every key)
            // needs no encoding at all: each char is its own byte.
            if (key.Length <= StackKeyLength && IsAscii(key))
            {
                Span<byte> ascii = stackalloc byte[key.Length];
                for (int i = 0; i < key.Length; i++)
                {
                    ascii[i] = (byte)key[i];
                }

                return GetSlot(ascii);
            }

            byte[] rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(key.Length));
            try
            {
                int length = Encoding.UTF8.GetBytes(key, 0, key.Length, rented, 0);
                return GetSlot(new ReadOnlySpan<byte>(rented, 0, length));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        internal static int Crc16Update(int crc, byte b) => ((crc << 8) ^ Table[((crc >> 8) ^ b) & 0xff]) & 0xffff;

        private static ReadOnlySpan<byte> HashedPart(ReadOnlySpan<byte> key)
        {
            int open = key.IndexOf((byte)'{');
            if (open < 0)
            {
                return key;
            }

            int close = key.Slice(open + 1).IndexOf((byte)'}');

            // No '}' after the '{', or "{}" with nothing between: Redis hashes the whole key.
            return close <= 0 ? key : key.Slice(open + 1, close);
        }

        private static bool IsAscii(string key)
        {
            foreach (char c in key)
            {
                if (c >= 0x80)
                {
                    return false;
                }
            }

            return true;
        }

        private static ushort[] BuildTable()
        {
            var table = new ushort[256];
            for (int i = 0; i < 256; i++)
            {
                int crc = i << 8;
                for (int bit = 0; bit < 8; bit++)
                {
                    crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
                }

                table[i] = (ushort)crc;
            }

            return table;
        }
    }
}
