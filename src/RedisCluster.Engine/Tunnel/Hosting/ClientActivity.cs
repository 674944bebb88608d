using System;
using System.Diagnostics;
using System.Threading;

namespace RedisCluster.Engine.Tunnel.Hosting
{
    /// <summary>When a client last sent something: what an idle timeout (Redis's <c>timeout</c>) is measured from.</summary>
    internal sealed class ClientActivity
    {
        private long _last = Stopwatch.GetTimestamp();

        public void Touch() => Volatile.Write(ref _last, Stopwatch.GetTimestamp());

        public bool QuietFor(TimeSpan span)
        {
            long elapsed = Stopwatch.GetTimestamp() - Volatile.Read(ref _last);
            return elapsed > 0 && TimeSpan.FromSeconds(elapsed / (double)Stopwatch.Frequency) >= span;
        }
    }
}
