using System;
using System.Collections.Generic;
using System.Globalization;

namespace RedisCluster.Engine.Tunnel
{
    /// <summary>
    /// Passes a tunnel's messages on and keeps the most recent ones, so that a tunnel running in the
    /// background can still say what happened to it.
    /// </summary>
    internal sealed class TunnelEventLog : IRedisLog
    {
        private const int Capacity = 200;

        private readonly IRedisLog _inner;
        private readonly Queue<string> _recent = new Queue<string>();

        public TunnelEventLog(IRedisLog inner)
        {
            _inner = inner;
        }

        public IReadOnlyList<string> Recent
        {
            get
            {
                lock (_recent)
                {
                    return _recent.ToArray();
                }
            }
        }

        public void Verbose(string message)
        {
            Keep("VERBOSE", message);
            _inner.Verbose(message);
        }

        // Debug messages (one per connection) are too frequent to keep; they only pass through.
        public void Debug(string message) => _inner.Debug(message);

        public void Warning(string message)
        {
            Keep("WARNING", message);
            _inner.Warning(message);
        }

        private void Keep(string level, string message)
        {
            string entry = DateTimeOffset.Now.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture) + " " + level + " " + message;
            lock (_recent)
            {
                if (_recent.Count == Capacity)
                {
                    _recent.Dequeue();
                }

                _recent.Enqueue(entry);
            }
        }
    }
}
