using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
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
        private readonly IReadOnlyList<int>? _tags;

        // Fixed when queued: once its last reply is delivered, the sink may reuse the tag list.
        private readonly int _rawCount;
        private int _remaining = 1;

        // Raw replies are claimed one index at a time, by the reader or by a failure, so each is told once.
        private int _claimed = -1;

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

        /// <summary>
        /// Stands for the replies of queued commands, <paramref name="command"/> the first of them, delivered
        /// as bytes to <paramref name="raw"/>: the i-th with <paramref name="tags"/>[i].
        /// </summary>
        public PendingReply(RedisCommand command, IRawReplySink raw, IReadOnlyList<int> tags)
        {
            Command = command;
            _raw = raw;
            _tags = tags;
            _rawCount = tags.Count;
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

        /// <summary>Delivers the next reply of the queued commands as the server's bytes; true when this entry expects no more.</summary>
        public bool CompleteRaw(ReadOnlySequence<byte> reply)
        {
            int index = Interlocked.Increment(ref _claimed);
            if (index < _rawCount)
            {
                _raw!.OnReply(_tags![index], reply);
            }

            return index >= _rawCount - 1;
        }

        public void Fail(Exception error)
        {
            if (_raw != null)
            {
                for (int index = Interlocked.Increment(ref _claimed); index < _rawCount; index = Interlocked.Increment(ref _claimed))
                {
                    _raw.OnFailure(_tags![index], error);
                }
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
