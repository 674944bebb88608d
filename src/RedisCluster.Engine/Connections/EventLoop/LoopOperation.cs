using System;
using System.Threading;
using System.Threading.Tasks;

namespace RedisCluster.Engine.Connections.EventLoop
{
    /// <summary>
    /// A read or write of a <see cref="LoopSocketStream"/> waiting for its socket's edge, with the caller's cancellation
    /// held here and let go when the operation ends: a waiting read costs no continuation of its own to clean up after
    /// it, and a pipe reader passes a cancellable token to every read.
    /// </summary>
    internal sealed class LoopOperation : TaskCompletionSource<int>
    {
        private const int Running = 0;
        private const int Registered = 1;
        private const int Ended = 2;

        private static readonly Action<object?> CancelCallback = state => ((LoopOperation)state!).Stream.Cancel((LoopOperation)state!);

        private CancellationTokenRegistration _registration;
        private CancellationToken _token;
        private int _state;

        public LoopOperation(LoopSocketStream stream, LoopSocketSide side)
        {
            Stream = stream;
            Side = side;
        }

        public LoopSocketStream Stream { get; }

        /// <summary>The direction it waits on.</summary>
        public LoopSocketSide Side { get; }

        /// <summary>Lets <paramref name="token"/> cancel the operation while it waits. Called outside the stream's lock.</summary>
        public void CancelWith(CancellationToken token)
        {
            _token = token;
            CancellationTokenRegistration registration = token.Register(CancelCallback, this);
            _registration = registration;
            if (Interlocked.CompareExchange(ref _state, Registered, Running) != Running)
            {
                // It ended meanwhile (or the token was cancelled already, and the callback ended it).
                registration.Dispose();
            }
        }

        public void Succeed(int result)
        {
            LetGo();
            TrySetResult(result);
        }

        public void Fault(Exception error)
        {
            LetGo();
            TrySetException(error);
        }

        public void Cancel()
        {
            LetGo();
            TrySetCanceled(_token);
        }

        // Before the task completes: its continuation may run on for a long time on this thread (a whole batch).
        private void LetGo()
        {
            if (Interlocked.Exchange(ref _state, Ended) == Registered)
            {
                _registration.Dispose();
            }
        }
    }
}
