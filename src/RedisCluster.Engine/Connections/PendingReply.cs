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
        private readonly IReplySink? _sink;
        private int _remaining = 1;

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

        /// <summary>Stands for <paramref name="count"/> replies of raw sends, all delivered to one sink.</summary>
        public PendingReply(RedisCommand command, IReplySink sink, int count)
        {
            Command = command;
            _sink = sink;
            _remaining = count;
            Started = Stopwatch.GetTimestamp();
        }

        public RedisCommand Command { get; }

        public long Started { get; }

        public bool MayBlock { get; }

        /// <summary>Delivers one reply; true when this entry expects no more and leaves the queue.</summary>
        public bool Complete(RespValue value)
        {
            if (_sink != null)
            {
                _sink.OnReply(value);
                return --_remaining == 0;
            }

            if (_single != null)
            {
                _single.TrySetResult(value);
            }
            else
            {
                _batch!.Complete(_index, value, Stopwatch.GetTimestamp() - Started);
            }

            return true;
        }

        public void Fail(Exception error)
        {
            if (_sink != null)
            {
                _sink.OnFailure(error);
            }
            else if (_single != null)
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
