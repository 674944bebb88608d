using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Connections
{
    /// <summary>Collects the replies of a pipelined batch; completes when the last one arrives.</summary>
    internal sealed class PendingBatch
    {
        private readonly RespValue[] _values;
        private readonly long[] _elapsedTicks;
        private readonly TaskCompletionSource<bool> _done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _remaining;

        public PendingBatch(int count)
        {
            _values = new RespValue[count];
            _elapsedTicks = new long[count];
            _remaining = count;
            if (count == 0)
            {
                _done.TrySetResult(true);
            }
        }

        public Task Completion => _done.Task;

        public RespValue[] Values => _values;

        public TimeSpan Elapsed(int index) => TimeSpan.FromTicks((long)(_elapsedTicks[index] * ((double)TimeSpan.TicksPerSecond / Stopwatch.Frequency)));

        public void Complete(int index, RespValue value, long stopwatchTicks)
        {
            _values[index] = value;
            _elapsedTicks[index] = stopwatchTicks;
            if (Interlocked.Decrement(ref _remaining) == 0)
            {
                _done.TrySetResult(true);
            }
        }

        public void Fail(Exception error) => _done.TrySetException(error);
    }
}
