using System.Collections.Concurrent;
using RedisCluster.Engine;

namespace RedisCluster.PowerShell.Session
{
    /// <summary>
    /// Collects engine messages from any thread; the cmdlet writes them on its pipeline thread,
    /// since WriteVerbose and friends may not be called from elsewhere.
    /// </summary>
    internal sealed class CmdletLog : IRedisLog
    {
        private readonly ConcurrentQueue<(char Kind, string Message)> _queue = new ConcurrentQueue<(char, string)>();

        public void Verbose(string message) => _queue.Enqueue(('V', message));

        public void Debug(string message) => _queue.Enqueue(('D', message));

        public void Warning(string message) => _queue.Enqueue(('W', message));

        /// <summary>How a connection's options show where their messages go.</summary>
        public override string ToString() => "the cmdlet's verbose, debug and warning streams";

        public bool TryTake(out char kind, out string message)
        {
            if (_queue.TryDequeue(out var item))
            {
                kind = item.Kind;
                message = item.Message;
                return true;
            }

            kind = ' ';
            message = string.Empty;
            return false;
        }
    }
}
