using System;
using System.Buffers;
using System.Globalization;

namespace RedisCluster.Engine.Protocol
{
    /// <summary>
    /// Follows one client command (a RESP array of bulk strings) through a stream without holding it, so that an
    /// argument of hundreds of megabytes can be passed on as it arrives: each call says how many more bytes of the
    /// input belong to the command (whole header lines, then payload bytes as they come). Headers are checked as
    /// <see cref="CommandReader"/> checks them, with the same faults.
    /// </summary>
    public sealed class CommandFraming
    {
        private readonly RespLimits _limits;

        /// <summary>Arguments whose header is still to come; -1 before the array's own header.</summary>
        private long _argumentsLeft = -1;

        /// <summary>Bytes of the current argument's payload and its CRLF still to pass.</summary>
        private long _payloadLeft;

        public CommandFraming(RespLimits limits)
        {
            _limits = limits ?? throw new ArgumentNullException(nameof(limits));
        }

        /// <summary>True once the command's last byte has passed.</summary>
        public bool IsComplete => _argumentsLeft == 0 && _payloadLeft == 0;

        /// <summary>Bytes passed so far.</summary>
        public long Passed { get; private set; }

        /// <summary>
        /// How many bytes from the start of <paramref name="buffer"/> (what follows the bytes passed before) belong
        /// to the command and may go on; 0 when a header line has not fully arrived. Stops at the command's end.
        /// </summary>
        /// <exception cref="RespProtocolException">A header is not what a command has, or exceeds the limits.</exception>
        public long Advance(ReadOnlySequence<byte> buffer)
        {
            var reader = new RespBufferReader(buffer);
            long passed = 0;
            while (!IsComplete)
            {
                if (_payloadLeft > 0)
                {
                    long take = Math.Min(_payloadLeft, reader.Remaining);
                    if (take == 0)
                    {
                        break;
                    }

                    reader.TryAdvance(take);
                    _payloadLeft -= take;
                    passed = reader.Consumed;
                    continue;
                }

                long at = Passed + reader.Consumed;
                bool array = _argumentsLeft < 0;
                if (!reader.TryRead(out byte marker))
                {
                    break;
                }

                byte expected = array ? (byte)'*' : (byte)'$';
                if (marker != expected)
                {
                    string shown = "expected '" + (char)expected + "', got '" + (marker >= 0x20 && marker < 0x7f ? ((char)marker).ToString() : "\\x" + marker.ToString("x2", CultureInfo.InvariantCulture)) + "'";
                    throw new RespProtocolException(shown, at, shown);
                }

                if (!CommandReader.TryReadNumber(ref reader, array ? "too big mbulk count string" : "too big bulk count string", out long number, out bool valid))
                {
                    break;
                }

                if (array)
                {
                    if (!valid || number <= 0 || number > int.MaxValue || number > _limits.MaxAggregateLength)
                    {
                        throw new RespProtocolException("Invalid or oversized argument count", at, "invalid multibulk length");
                    }

                    _argumentsLeft = number;
                }
                else
                {
                    if (!valid || number < 0 || number > _limits.MaxBulkLength)
                    {
                        throw new RespProtocolException("Invalid or oversized argument length", at, "invalid bulk length");
                    }

                    _argumentsLeft--;
                    _payloadLeft = number + 2;
                }

                passed = reader.Consumed;
            }

            Passed += passed;
            return passed;
        }
    }
}
