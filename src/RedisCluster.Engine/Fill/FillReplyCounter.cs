using System;
using System.Threading;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Fill
{
    /// <summary>Counts the replies of a fill that runs with replies on, and remembers the first error.</summary>
    internal sealed class FillReplyCounter : IReplySink
    {
        private long _replies;
        private long _errors;
        private string? _firstError;

        public long Replies => Interlocked.Read(ref _replies);

        public long Errors => Interlocked.Read(ref _errors);

        public string? FirstError => Volatile.Read(ref _firstError);

        public void OnReply(RespValue reply)
        {
            Interlocked.Increment(ref _replies);
            if (reply.IsError)
            {
                Interlocked.Increment(ref _errors);
                Interlocked.CompareExchange(ref _firstError, reply.GetString(), null);
            }
        }

        public void OnFailure(Exception error)
        {
            Interlocked.CompareExchange(ref _firstError, error.Message, null);
        }
    }
}
