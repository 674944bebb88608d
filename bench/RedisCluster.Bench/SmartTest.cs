namespace RedisCluster.Bench;

/// <summary>
/// One workload of the smart-tunnel benchmark: redis-benchmark's test arguments for the direct run against the
/// cluster (null when redis-benchmark --cluster cannot run it) and for the run through the tunnel.
/// </summary>
public sealed record SmartTest(string Name, IReadOnlyList<string>? Direct, IReadOnlyList<string> Tunnel);
