using System;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Tunnel.Smart
{
    /// <summary>
    /// The writes to one subscribed smart client. Its own node's messages and the keyspace notifications of the
    /// other primaries are pumped by different tasks; one gate keeps their frames from interleaving.
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

            await _gate.WaitAsync(abort).ConfigureAwait(false);
            try
            {
                _statistics.AddToClient(output.WrittenCount);
                await client.WriteAsync(new ReadOnlyMemory<byte>(output.ToArray()), abort).ConfigureAwait(false);
            }
            finally
            {
                _gate.Release();
            }

            output.Clear();
        }
    }
}
