namespace RedisCluster.Tests.KeyCopy;

/// <summary>
/// The CRC64 that closes a DUMP payload (Redis' crc64: Jones polynomial, reflected, initial value 0), so a test
/// can hand RESTORE a payload that claims another RDB format and still has a valid checksum.
/// </summary>
internal static class Crc64Jones
{
    private const ulong ReflectedPolynomial = 0x95AC9329AC4BC9B5UL;

    public static ulong Compute(ReadOnlySpan<byte> data)
    {
        ulong crc = 0;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ ReflectedPolynomial : crc >> 1;
            }
        }

        return crc;
    }

    /// <summary>The payload with its RDB format version set to <paramref name="version"/> and the checksum recomputed.</summary>
    public static byte[] WithRdbVersion(byte[] payload, int version)
    {
        byte[] copy = (byte[])payload.Clone();
        int footer = copy.Length - 10;
        copy[footer] = (byte)(version & 0xff);
        copy[footer + 1] = (byte)(version >> 8);
        ulong crc = Compute(copy.AsSpan(0, copy.Length - 8));
        BitConverter.TryWriteBytes(copy.AsSpan(copy.Length - 8), crc); // little endian, as Redis writes it on x86 and ARM
        return copy;
    }
}
