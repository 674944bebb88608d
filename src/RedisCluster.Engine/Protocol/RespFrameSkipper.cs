using System;
using System.Buffers;

namespace RedisCluster.Engine.Protocol
{
    /// <summary>
    /// Finds the end of the frame at the head of a connection's input across reads, on the shared
    /// <see cref="RespStreamScanner"/>: it remembers how far it got, so a reply of a million elements in a thousand
    /// reads is walked once, and it counts elements instead of recursing, so a reply nested thousands deep (a Lua
    /// table that holds itself) still ends where it ends. One per connection reader; the buffer must start at the
    /// same frame until that frame is complete.
    /// </summary>
    internal sealed class RespFrameSkipper
    {
        private RespStreamScanner _scanner;
        private long _scanned = -1;

        /// <summary>True with <paramref name="end"/> when the frame is whole; false when more must arrive.</summary>
        /// <exception cref="RespProtocolException">The bytes are not RESP, or exceed the limits.</exception>
        public bool TrySkip(ReadOnlySequence<byte> buffer, RespLimits limits, out SequencePosition end)
        {
            if (_scanned < 0)
            {
                // Most replies are small, flat and in one segment: measured there without the walk.
                int flat = RespFlatFrame.Length(buffer.First.Span, limits);
                if (flat > 0)
                {
                    end = buffer.GetPosition(flat);
                    return true;
                }

                _scanner = new RespStreamScanner(limits, RespStreamKind.Replies);
                _scanned = 0;
            }

            var reader = new RespBufferReader(buffer.Slice(_scanned));
            while (true)
            {
                RespScanStep step;
                try
                {
                    step = _scanner.Next(ref reader, out _);
                }
                catch (RespProtocolException)
                {
                    // The stream is broken; whoever reads on must start afresh.
                    _scanned = -1;
                    throw;
                }

                if (step == RespScanStep.NeedMore)
                {
                    _scanned += reader.Consumed;
                    RespReader.CheckIncompleteFrame(buffer.Length, limits);
                    end = buffer.Start;
                    return false;
                }

                if (!_scanner.InFrame && !_scanner.InPayload)
                {
                    end = buffer.GetPosition(_scanned + reader.Consumed);
                    _scanned = -1;
                    return true;
                }
            }
        }

        /// <summary>The end of the one whole frame at the head of <paramref name="buffer"/>; false when it is not all there.</summary>
        public static bool TrySkipWhole(ReadOnlySequence<byte> buffer, RespLimits limits, out SequencePosition end)
            => new RespFrameSkipper().TrySkip(buffer, limits, out end);
    }
}
