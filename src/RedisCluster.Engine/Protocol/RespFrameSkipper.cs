using System;
using System.Buffers;

namespace RedisCluster.Engine.Protocol
{
    /// <summary>
    /// Finds the end of the frame at the head of a connection's input across reads, remembering how far it
    /// got, so a reply of a million elements in a thousand reads is walked once (see
    /// <see cref="RespReader.TrySkipResuming"/>). One per connection reader; the buffer must start at the
    /// same frame until that frame is complete.
    /// </summary>
    internal sealed class RespFrameSkipper
    {
        private long _scanned;
        private long _left = -1;

        public bool TrySkip(ReadOnlySequence<byte> buffer, RespLimits limits, out SequencePosition end)
            => RespReader.TrySkipResuming(buffer, limits, ref _scanned, ref _left, out end);
    }
}
