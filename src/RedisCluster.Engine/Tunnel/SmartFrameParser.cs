using System;
using System.Buffers;
using System.Collections.Generic;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Tunnel
{
    /// <summary>
    /// Cuts client commands out of a smart-mode client's input: RESP arrays of bulk strings (what every
    /// client library sends) and inline commands (what people type into telnet). The limits are the
    /// tunnel's client limits, so an oversized argument or frame is a protocol error, not a memory problem.
    /// </summary>
    internal static class SmartFrameParser
    {
        /// <summary>
        /// Reads one command from the start of <paramref name="buffer"/> and slices it off. Returns false when
        /// only part of one is there. An empty command (blank line, *0) gives true with null arguments.
        /// Throws <see cref="RespProtocolException"/> for input that is not a command.
        /// </summary>
        public static bool TryRead(ref ReadOnlySequence<byte> buffer, RespLimits limits, out byte[][]? arguments)
        {
            arguments = null;
            if (buffer.IsEmpty)
            {
                return false;
            }

            if (RespReader.FirstByte(buffer) == (byte)'*')
            {
                if (!RespReader.TryReadCommand(buffer, limits, out arguments, out SequencePosition end))
                {
                    return false;
                }

                buffer = buffer.Slice(end);
                return true;
            }

            return TryReadInline(ref buffer, limits, out arguments);
        }

        private static bool TryReadInline(ref ReadOnlySequence<byte> buffer, RespLimits limits, out byte[][]? arguments)
        {
            arguments = null;
            SequencePosition? newline = buffer.PositionOf((byte)'\n');
            if (newline == null)
            {
                if (buffer.Length > limits.MaxLineLength)
                {
                    throw new RespProtocolException("too big inline request", 0);
                }

                return false;
            }

            ReadOnlySequence<byte> line = buffer.Slice(0, newline.Value);
            if (line.Length > limits.MaxLineLength)
            {
                throw new RespProtocolException("too big inline request", 0);
            }

            buffer = buffer.Slice(buffer.GetPosition(1, newline.Value));
            string text = System.Text.Encoding.UTF8.GetString(line.ToArray()).TrimEnd('\r');
            var parts = new List<byte[]>();
            foreach (string part in text.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries))
            {
                parts.Add(System.Text.Encoding.UTF8.GetBytes(part));
            }

            if (parts.Count > 0)
            {
                arguments = parts.ToArray();
            }

            return true;
        }
    }
}
