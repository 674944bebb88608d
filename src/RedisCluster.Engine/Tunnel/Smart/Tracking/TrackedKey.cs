using System;

namespace RedisCluster.Engine.Tunnel.Smart.Tracking
{
    /// <summary>
    /// Keys as the tracking tables hold them: one char per byte, so any binary key is a dictionary key of its own
    /// and goes back to the same bytes.
    /// </summary>
    internal static class TrackedKey
    {
        public static string Of(ReadOnlySpan<byte> key)
        {
            var chars = new char[key.Length];
            for (int i = 0; i < key.Length; i++)
            {
                chars[i] = (char)key[i];
            }

            return new string(chars);
        }

        public static byte[] Bytes(string key)
        {
            var bytes = new byte[key.Length];
            for (int i = 0; i < key.Length; i++)
            {
                bytes[i] = (byte)key[i];
            }

            return bytes;
        }
    }
}
