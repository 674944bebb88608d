using System;
using System.Buffers;
using System.Collections.Generic;

namespace RedisCluster.Engine.Protocol
{
    /// <summary>
    /// The beginning of a client command that has not fully arrived and has a large argument: the arguments before
    /// it (the command name and its key among them), enough to decide where the command goes before its payload is
    /// here. See <see cref="TryRead"/>.
    /// </summary>
    public sealed class CommandStart
    {
        private CommandStart(byte[][] leading, int count, int largeIndex, long largeLength)
        {
            Arguments = leading;
            Count = count;
            LargeIndex = largeIndex;
            LargeLength = largeLength;
        }

        /// <summary>The arguments before the large one, whole.</summary>
        public IReadOnlyList<byte[]> Leading => Arguments;

        /// <summary><see cref="Leading"/> as the argument array the tunnel's checks take.</summary>
        internal byte[][] Arguments { get; }

        /// <summary>How many arguments the command has in all.</summary>
        public int Count { get; }

        /// <summary>Index of the first argument of at least the size asked for.</summary>
        public int LargeIndex { get; }

        /// <summary>Its declared length.</summary>
        public long LargeLength { get; }

        /// <summary>
        /// Reads the start of the RESP array command at the start of <paramref name="buffer"/>, which has not fully
        /// arrived, up to the header of its first argument of <paramref name="large"/> bytes or more. False when
        /// the input is not such a command, or when that header has not arrived yet (the caller asks again with
        /// more). Headers were checked by <see cref="CommandReader"/> already; a bad one here is simply no start.
        /// </summary>
        public static bool TryRead(ReadOnlySequence<byte> buffer, RespLimits limits, long large, out CommandStart? start)
        {
            start = null;
            if (buffer.IsEmpty || RespReader.FirstByte(buffer) != (byte)'*')
            {
                return false;
            }

            var reader = new RespBufferReader(buffer);
            reader.TryRead(out _);
            if (!CommandReader.TryReadNumber(ref reader, string.Empty, out long count, out bool valid) || !valid || count <= 0 || count > limits.MaxAggregateLength)
            {
                return false;
            }

            var leading = new List<byte[]>();
            for (int i = 0; i < count; i++)
            {
                if (!reader.TryRead(out byte marker) || marker != (byte)'$'
                    || !CommandReader.TryReadNumber(ref reader, string.Empty, out long length, out valid) || !valid || length < 0 || length > limits.MaxBulkLength)
                {
                    return false;
                }

                if (length >= large)
                {
                    start = new CommandStart(leading.ToArray(), (int)count, i, length);
                    return true;
                }

                var argument = new byte[length];
                if (!reader.TryCopy(argument) || !reader.TryAdvance(2))
                {
                    return false;
                }

                leading.Add(argument);
            }

            return false;
        }
    }
}
