using System;
using System.Buffers;

namespace RedisCluster.Engine.Protocol
{
    /// <summary>
    /// Follows one client command (a RESP array of bulk strings) through a stream without holding it, so that an
    /// argument of hundreds of megabytes can be passed on as it arrives: each call says how many more bytes of the
    /// input belong to the command (whole header lines, then payload bytes as they come). The walk is the byte
    /// relay's <see cref="RespStreamScanner"/>, so headers are checked as the relay checks them, with Redis's reasons.
    /// </summary>
    public sealed class CommandFraming
    {
        private RespStreamScanner _scanner;
        private bool _started;

        public CommandFraming(RespLimits limits)
        {
            _scanner = new RespStreamScanner(limits ?? throw new ArgumentNullException(nameof(limits)), RespStreamKind.Commands);
        }

        /// <summary>True once the command's last byte has passed.</summary>
        public bool IsComplete => _started && !_scanner.InFrame;

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
            while (!IsComplete)
            {
                RespScanStep step = _scanner.Next(ref reader, out RespElement element);
                if (step == RespScanStep.NeedMore)
                {
                    break;
                }

                if (element.StartsFrame && element.Number <= 0)
                {
                    // Redis ignores an empty command; one being streamed has arguments, or it is not that command.
                    throw new RespProtocolException("Invalid or oversized argument count", Passed + element.Start, "invalid multibulk length");
                }

                _started |= element.StartsFrame;
            }

            // The scanner moves the reader over whole pieces only, so where it stands is a place to cut.
            Passed += reader.Consumed;
            return reader.Consumed;
        }
    }
}
