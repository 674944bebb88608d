using System.Globalization;
using System.Text.RegularExpressions;

namespace RedisCluster.Bench;

/// <summary>The last result line of a redis-benchmark -q run: its own requests/s (process start and connection setup excluded) and p50.</summary>
public sealed record RedisBenchmarkSummary(double RequestsPerSecond, string? P50, string Line)
{
    // A custom command's title is the command line itself, colons and all: match the figures, not the title.
    private static readonly Regex s_figures = new(@"([0-9.]+) requests per second(?:, p50=([0-9.]+) msec)?", RegexOptions.CultureInvariant);

    public static RedisBenchmarkSummary Parse(string output, string what)
    {
        foreach (string line in output.Split('\r', '\n').Select(l => l.Trim()).Reverse())
        {
            Match match = s_figures.Match(line);
            if (match.Success)
            {
                double rps = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
                return new RedisBenchmarkSummary(rps, match.Groups[2].Success ? match.Groups[2].Value : null, line);
            }
        }

        throw new InvalidOperationException("redis-benchmark printed no result for: " + what + "\n" + output);
    }
}
