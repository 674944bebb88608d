using System;
using System.Collections.Generic;
using System.Globalization;

namespace RedisCluster.Engine.Fill
{
    /// <summary>The outcome of a fill, also when it was stopped early.</summary>
    public sealed class FillResult
    {
        public FillResult(string target, string mode, long keys, long bytes, TimeSpan elapsed, int connections,
            IReadOnlyList<FillNodeResult> nodes, bool completed, long errors, long shortfall, IReadOnlyList<string> warnings)
        {
            Target = target;
            Mode = mode;
            Keys = keys;
            Bytes = bytes;
            Elapsed = elapsed;
            Connections = connections;
            Nodes = new ReadableList<FillNodeResult>(nodes, "; ");
            Completed = completed;
            Errors = errors;
            Shortfall = shortfall;
            Warnings = new ReadableList<string>(warnings, "; ");
        }

        public string Target { get; }

        /// <summary>standalone or cluster.</summary>
        public string Mode { get; }

        public long Keys { get; }

        /// <summary>Key plus value bytes written.</summary>
        public long Bytes { get; }

        public TimeSpan Elapsed { get; }

        public double MBPerSecond => Elapsed.TotalSeconds > 0 ? Bytes / 1048576.0 / Elapsed.TotalSeconds : 0;

        public double KeysPerSecond => Elapsed.TotalSeconds > 0 ? Keys / Elapsed.TotalSeconds : 0;

        public int Connections { get; }

        /// <summary>What each node received; its text is one "node keys (share)" entry per node.</summary>
        public IReadOnlyList<FillNodeResult> Nodes { get; }

        /// <summary>False when the fill was stopped (Ctrl+C) or a node failed before all keys were written.</summary>
        public bool Completed { get; }

        /// <summary>Error replies counted (only with replies on).</summary>
        public long Errors { get; }

        /// <summary>Keys written but not found afterwards (verification), or 0.</summary>
        public long Shortfall { get; }

        public IReadOnlyList<string> Warnings { get; }

        public override string ToString()
            => Target + ": " + Keys.ToString("N0", CultureInfo.InvariantCulture) + " keys, "
               + (Bytes / 1048576.0).ToString("N1", CultureInfo.InvariantCulture) + " MB in "
               + Elapsed.TotalSeconds.ToString("N2", CultureInfo.InvariantCulture) + " s" + (Completed ? string.Empty : " (stopped early)");
    }
}
