using System;
using System.Buffers;

namespace RedisCluster.Engine.Tunnel.Relay
{
    /// <summary>What a <see cref="RelayPump"/> passes each batch through: the client's commands or the server's replies.</summary>
    internal interface IRelayFilter
    {
        /// <summary>
        /// Sends on what it can of <paramref name="input"/> into <paramref name="output"/> and returns the position up to
        /// which input was used; the rest (an incomplete header, or a frame that must be read whole) is offered again
        /// with more bytes after it.
        /// </summary>
        SequencePosition Process(ReadOnlySequence<byte> input, IBufferWriter<byte> output, out long written);
    }
}
