using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;

namespace RedisCluster.Engine.Tunnel.Hosting
{
    /// <summary>
    /// Passes a tunnel's messages on and keeps the most recent ones, so that a tunnel running in the
    /// background can still say what happened to it.
    /// </summary>
    internal sealed class TunnelEventLog : IRedisLog, IDisposable
    {
        private const int Capacity = 200;

        private readonly IRedisLog _inner;
        private readonly Queue<string> _recent = new Queue<string>();
        private readonly WarningThrottle _throttle;
        private readonly Timer _summaries;

        public TunnelEventLog(IRedisLog inner)
            : this(inner, TimeSpan.FromSeconds(10), 5)
        {
        }

        public TunnelEventLog(IRedisLog inner, TimeSpan throttleWindow, int passedPerWindow)
        {
            _inner = inner;
            _throttle = new WarningThrottle(throttleWindow, passedPerWindow);

            // Writes the summary of a burst that has ended even when no warning follows it.
            _summaries = new Timer(_ => WriteSummaries(all: false), null, throttleWindow, throttleWindow);
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

        /// <summary>Writes the warning, unless many alike came in the current window (see <see cref="WarningThrottle"/>).</summary>
        public void Warning(string message)
        {
            WriteSummaries(all: false);
            bool admitted;
            lock (_throttle)
            {
                admitted = _throttle.Admit(message, DateTime.UtcNow);
            }

            if (admitted)
            {
                Keep("WARNING", message);
                _inner.Warning(message);
            }
        }

        /// <summary>Writes the summaries still held back; the timer stops.</summary>
        public void Dispose()
        {
            _summaries.Dispose();
            WriteSummaries(all: true);
        }

        private void WriteSummaries(bool all)
        {
            List<string> lines;
            lock (_throttle)
            {
                lines = all ? _throttle.TakeAll(DateTime.UtcNow) : _throttle.TakeSummaries(DateTime.UtcNow);
            }

            foreach (string line in lines)
            {
                Keep("WARNING", line);
                _inner.Warning(line);
            }
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
