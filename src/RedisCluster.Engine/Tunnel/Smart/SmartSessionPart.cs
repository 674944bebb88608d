using System.Threading;
using RedisCluster.Engine.Tunnel.Hosting;

namespace RedisCluster.Engine.Tunnel.Smart
{
    /// <summary>A part of one smart client's session (its pipeline and stages): the session's shared state, and the tunnel, backend and cancellation from it.</summary>
    internal abstract class SmartSessionPart
    {
        protected readonly SmartSessionState _state;
        protected readonly TunnelContext _context;
        protected readonly SmartBackend _backend;
        protected readonly CancellationTokenSource _abort;

        protected SmartSessionPart(SmartSessionState state)
        {
            _state = state;
            _context = state.Context;
            _backend = state.Backend;
            _abort = state.Abort;
        }
    }
}
