namespace RedisCluster.Bench;

/// <summary>One measured run of one tool.</summary>
public sealed record ToolRun(string Scenario, string Tool, double PayloadMB, double Seconds, string Detail)
{
    public double MBPerSecond => Seconds > 0 ? PayloadMB / Seconds : 0;
}
