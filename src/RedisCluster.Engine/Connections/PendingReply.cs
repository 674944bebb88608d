using System;
using System.Diagnostics;
using System.Threading.Tasks;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Connections
{
    /// <summary>
    /// One reply the connection is waiting for. Replies arrive in send order, so these sit in a FIFO;
    /// a batch shares one completion among all its entries instead of a task per command.
    /// </summary>
    internal sealed class PendingReply
    {
        private readonly TaskCompletionSource<RespValue>? _single;
        private readonly PendingBatch? _batch;
        private readonly int _index;

        public PendingReply(RedisCommand command, TaskCompletionSource<RespValue> single)
        {
            Command = command;
            _single = single;
            Started = Stopwatch.GetTimestamp();
            MayBlock = command.MayBlock;
        }

        public PendingReply(RedisCommand command, PendingBatch batch, int index)
        {
            Command = command;
            _batch = batch;
            _index = index;
            Started = Stopwatch.GetTimestamp();
            MayBlock = command.MayBlock;
        }

        public RedisCommand Command { get; }

        public long Started { get; }

        public bool MayBlock { get; }

        public void Complete(RespValue value)
        {
            if (_single != null)
            {
                _single.TrySetResult(value);
            }
            else
            {
                _batch!.Complete(_index, value, Stopwatch.GetTimestamp() - Started);
            }
        }

        public void Fail(Exception error)
        {
            if (_single != null)
            {
                _single.TrySetException(error);
            }
            else
            {
                _batch!.Fail(error);
            }
        }
    }
}
