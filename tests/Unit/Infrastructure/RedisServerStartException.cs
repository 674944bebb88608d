namespace RedisCluster.Tests.Infrastructure;

/// <summary>redis-server did not come up; the message carries the log tail, captured output and config.</summary>
public sealed class RedisServerStartException : Exception
{
    public RedisServerStartException(string message, bool portInUse, Exception? inner)
        : base(message, inner) => PortInUse = portInUse;

    /// <summary>True when the log says a port was already in use (auto-picked ports are then re-picked).</summary>
    public bool PortInUse { get; }
}
