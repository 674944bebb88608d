using System.Collections.Concurrent;
using RedisCluster.Engine;

namespace RedisCluster.Tests.Routing;

/// <summary>Records what the engine reports, so tests can tell whether a redirect happened.</summary>
public sealed class CapturingLog : IRedisLog
{
    public ConcurrentQueue<string> Messages { get; } = new();

    public void Verbose(string message) => Messages.Enqueue("V " + message);

    public void Debug(string message) => Messages.Enqueue("D " + message);

    public void Warning(string message) => Messages.Enqueue("W " + message);

    public bool Any(string fragment) => Messages.Any(m => m.Contains(fragment, StringComparison.Ordinal));

    public void Clear() => Messages.Clear();
}
