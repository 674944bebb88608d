using System;
using System.Buffers.Text;
using System.Globalization;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Tunnel.Relay
{
    /// <summary>Reads the "&lt;marker&gt;&lt;integer&gt;\r\n" headers of streamed RESP frames without allocating.</summary>
    internal static class RespStreamNumbers
    {
        // A sign and the 19 digits of a long, with room to spare: anything longer is not a RESP header.
        private const int MaxHeaderLine = 24;

        /// <summary>
        /// Reads a header line after its marker byte (already consumed). False when the line is not complete
        /// yet (the reader is then somewhere inside it: callers read on a copy).
        /// </summary>
        public static bool TryReadNumber(ref RespBufferReader reader, long offset, out long value)
        {
            value = 0;
            Span<byte> line = stackalloc byte[MaxHeaderLine];
            int length = reader.TryReadLine(line, 0);
            if (length == -1)
            {
                return false;
            }

            if (length == -2)
            {
                throw new RespProtocolException("invalid length in a RESP header (longer than " + MaxHeaderLine.ToString(CultureInfo.InvariantCulture) + " characters)", offset);
            }

            if (length == 0 || line[0] == (byte)'+' || !Utf8Parser.TryParse(line.Slice(0, length), out value, out int used) || used != length)
            {
                throw new RespProtocolException("invalid length in a RESP header", offset);
            }

            return true;
        }
    }
}
