using System;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Tunnel.Smart.Tracking;

namespace RedisCluster.Engine.Tunnel.Smart
{
    /// <summary>
    /// The writes to one smart client. Its replies, a subscription's messages, the keyspace notifications of other
    /// primaries and tracking invalidations are written by different tasks; one gate keeps their frames from
    /// interleaving.
    /// </summary>
    internal sealed class SmartClientWrites
    {
        private readonly SemaphoreSlim _gate = new SemaphoreSlim(1, 1);
        private readonly TunnelStatistics _statistics;

        public SmartClientWrites(TunnelStatistics statistics)
        {
            _statistics = statistics;
        }

        /// <summary>Writes what <paramref name="output"/> holds to the client, if anything, and empties it.</summary>
        public async Task FlushAsync(PipeWriter client, GrowableBuffer output, CancellationToken abort)
        {
            if (output.WrittenCount == 0)
            {
                return;
            }

            await WriteAsync(client, new ReadOnlyMemory<byte>(output.ToArray()), abort).ConfigureAwait(false);
            output.Clear();
        }

        /// <summary>Writes <paramref name="bytes"/>, whole frames, to the client.</summary>
        public async Task WriteAsync(PipeWriter client, ReadOnlyMemory<byte> bytes, CancellationToken abort)
        {
            await _gate.WaitAsync(abort).ConfigureAwait(false);
            try
            {
                _statistics.AddToClient(bytes.Length);
                await client.WriteAsync(bytes, abort).ConfigureAwait(false);
            }
            finally
            {
                _gate.Release();
            }
        }

        /// <summary>Writes the invalidations waiting in <paramref name="pushes"/>, taken under the gate so they keep their order.</summary>
        public async Task WritePushesAsync(PipeWriter client, PushOutbox pushes, CancellationToken abort)
        {
            await _gate.WaitAsync(abort).ConfigureAwait(false);
            try
            {
                byte[]? frames = pushes.TakeAll();
                if (frames != null)
                {
                    _statistics.AddToClient(frames.Length);
                    await client.WriteAsync(frames, abort).ConfigureAwait(false);
                }
            }
            finally
            {
                _gate.Release();
            }
        }
    }
}
