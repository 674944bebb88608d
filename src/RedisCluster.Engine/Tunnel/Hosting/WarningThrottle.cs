using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace RedisCluster.Engine.Tunnel.Hosting
{
    /// <summary>
    /// Keeps a flood of alike warnings (one per bad client in a fuzz run, one per failed accept) from
    /// burying the log: per kind of warning, the first few in each window pass, the rest are counted and
    /// summed up in one line when the window ends ("... and 2,314 more like this in the last 10 s").
    /// Warnings of a kind are those that differ only in numbers (addresses, ports, sizes) and in what is
    /// in parentheses (the details of the fault).
    /// </summary>
    internal sealed class WarningThrottle
    {
        private readonly Dictionary<string, Kind> _kinds = new Dictionary<string, Kind>(StringComparer.Ordinal);

        public WarningThrottle(TimeSpan window, int passedPerWindow)
        {
            Window = window;
            PassedPerWindow = passedPerWindow;
        }

        public TimeSpan Window { get; }

        public int PassedPerWindow { get; }

        /// <summary>True when the warning should be written; otherwise it is counted for the summary.</summary>
        public bool Admit(string message, DateTime now)
        {
            string key = KindOf(message);
            if (!_kinds.TryGetValue(key, out Kind? kind))
            {
                kind = new Kind(now);
                _kinds[key] = kind;
            }

            kind.Seen++;
            if (kind.Seen <= PassedPerWindow)
            {
                return true;
            }

            kind.Latest = message;
            return false;
        }

        /// <summary>The summaries of the windows that have ended by <paramref name="now"/>; their kinds start over.</summary>
        public List<string> TakeSummaries(DateTime now)
        {
            var lines = new List<string>();
            List<string>? ended = null;
            foreach (KeyValuePair<string, Kind> pair in _kinds)
            {
                if (now - pair.Value.WindowStart < Window)
                {
                    continue;
                }

                (ended ??= new List<string>()).Add(pair.Key);
                int suppressed = pair.Value.Seen - PassedPerWindow;
                if (suppressed > 0)
                {
                    lines.Add(Summary(pair.Value.Latest!, suppressed, now - pair.Value.WindowStart));
                }
            }

            if (ended != null)
            {
                foreach (string key in ended)
                {
                    _kinds.Remove(key);
                }
            }

            return lines;
        }

        /// <summary>Summaries of everything held back, whether or not its window has ended (when the tunnel stops).</summary>
        public List<string> TakeAll(DateTime now) => TakeSummaries(now + Window);

        private static string Summary(string latest, int suppressed, TimeSpan span)
        {
            string count = suppressed.ToString("N0", CultureInfo.InvariantCulture);
            string seconds = Math.Max(1, Math.Round(span.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            return "... and " + count + " more like this in the last " + seconds + " s; the latest: " + latest;
        }

        /// <summary>The message without its digits and without what is in parentheses.</summary>
        internal static string KindOf(string message)
        {
            var key = new StringBuilder(message.Length);
            int depth = 0;
            foreach (char c in message)
            {
                if (c == '(')
                {
                    depth++;
                }
                else if (c == ')' && depth > 0)
                {
                    depth--;
                }
                else if (depth == 0 && !char.IsDigit(c))
                {
                    key.Append(c);
                }
            }

            return key.ToString();
        }

        private sealed class Kind
        {
            public Kind(DateTime windowStart)
            {
                WindowStart = windowStart;
            }

            public DateTime WindowStart { get; }

            public int Seen { get; set; }

            public string? Latest { get; set; }
        }
    }
}
