using System.Threading;
using System.Threading.Tasks;

namespace RedisCluster.Engine.Connections.EventLoop
{
    /// <summary>
    /// A request that some event loops handle every event ready on them when it was made, and say so: passed once
    /// each of them has ended a whole turn that began after it (see <see cref="SocketEventLoop.Ask"/>). Whatever those
    /// events started on the loops' threads (a client's command read and routed, there and then) has then happened.
    /// Its continuations run on its home loop, the one that asked, or on the thread pool when no loop asked.
    /// </summary>
    internal sealed class LoopBarrier
    {
        private readonly TaskCompletionSource<bool> _passed;
        private readonly SocketEventLoop[] _loops;
        private readonly SocketEventLoop? _except;
        private int _left;

        /// <summary>A barrier for every loop of <paramref name="loops"/> but <paramref name="except"/>, continued on <paramref name="home"/>.</summary>
        public LoopBarrier(SocketEventLoop? home, SocketEventLoop[] loops, SocketEventLoop? except)
        {
            Home = home;
            _loops = loops;
            _except = except;
            _passed = new TaskCompletionSource<bool>(home == null ? TaskCreationOptions.RunContinuationsAsynchronously : TaskCreationOptions.None);
        }

        /// <summary>The loop whose thread runs the continuations, or null for the thread pool.</summary>
        public SocketEventLoop? Home { get; }

        public Task Passed => _passed.Task;

        /// <summary>Asks the loops; passed at once when there are none but the one excepted.</summary>
        public void Send()
        {
            int count = 0;
            foreach (SocketEventLoop loop in _loops)
            {
                count += loop == _except ? 0 : 1;
            }

            if (count == 0)
            {
                Complete();
                return;
            }

            // Counted before the first loop is asked: it may answer before the next is.
            Volatile.Write(ref _left, count);
            foreach (SocketEventLoop loop in _loops)
            {
                if (loop != _except)
                {
                    loop.Ask(this);
                }
            }
        }

        /// <summary><paramref name="by"/> has ended the turn asked of it (on its thread).</summary>
        internal void PassedBy(SocketEventLoop by)
        {
            if (Interlocked.Decrement(ref _left) != 0)
            {
                return;
            }

            if (Home == null || Home == by)
            {
                Complete();
            }
            else
            {
                Home.Post(this);
            }
        }

        /// <summary>Runs the continuations (on the home loop's thread, or queued to the pool).</summary>
        internal void Complete() => _passed.TrySetResult(true);
    }
}
