using System;
using System.Buffers;
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
        private readonly IRawReplySink? _raw;
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

        /// <summary>One reply of a queued send, delivered as bytes to <paramref name="raw"/> with <paramref name="tag"/>.</summary>
        public PendingReply(RedisCommand command, IRawReplySink raw, int tag)
        {
            Command = command;
            _raw = raw;
            _index = tag;
            Started = Stopwatch.GetTimestamp();
        }

        public RedisCommand Command { get; }

        /// <summary>True when the reply is to be passed on as bytes (<see cref="CompleteRaw"/>).</summary>
        public bool IsRaw => _raw != null;

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

        /// <summary>Delivers the reply of a queued send as the server's bytes.</summary>
        public void CompleteRaw(ReadOnlySequence<byte> reply) => _raw!.OnReply(_index, reply);

        public void Fail(Exception error)
        {
            if (_raw != null)
            {
                _raw.OnFailure(_index, error);
            }
            else if (_sink != null)
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
