using RedisCluster.Engine.Client;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;

namespace RedisCluster.Tests.KeyCopy;

/// <summary>
/// A real client with hooks after SCAN-style node calls and after batches: lets a test change the source
/// exactly between two steps of a copy (a key deleted after SCAN, changed after DUMP) without timing.
/// </summary>
internal sealed class InterceptingClient : RedisClient
{
    private readonly RedisClient _inner;

    public InterceptingClient(RedisClient inner)
        : base(inner.Options, inner.Endpoint, inner.Hello)
    {
        _inner = inner;
    }

    /// <summary>Runs after a node call (SCAN, INFO, DBSIZE) answered, before the caller sees the replies.</summary>
    public Func<RedisClient, IReadOnlyList<RedisCommand>, IReadOnlyList<RedisReply>, Task>? AfterNodeCall { get; set; }

    /// <summary>Runs after a batch answered; what it returns is what the caller sees.</summary>
    public Func<RedisClient, IReadOnlyList<RedisCommand>, IReadOnlyList<RedisReply>, Task<IReadOnlyList<RedisReply>>>? AfterBatch { get; set; }

    public override bool IsCluster => _inner.IsCluster;

    public override IReadOnlyList<RedisEndpoint> GetPrimaryEndpoints() => _inner.GetPrimaryEndpoints();

    public override async Task<IReadOnlyList<RedisReply>> ExecuteOnNodeAsync(RedisEndpoint node, IReadOnlyList<RedisCommand> commands, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<RedisReply> replies = await _inner.ExecuteOnNodeAsync(node, commands, cancellationToken);
        if (AfterNodeCall != null)
        {
            await AfterNodeCall(_inner, commands, replies);
        }

        return replies;
    }

    public override async Task<IReadOnlyList<RedisReply>> ExecuteBatchAsync(IReadOnlyList<RedisCommand> commands, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<RedisReply> replies = await _inner.ExecuteBatchAsync(commands, cancellationToken);
        return AfterBatch != null ? await AfterBatch(_inner, commands, replies) : replies;
    }

    internal override Task<RedisConnection> OpenDedicatedAsync(RedisEndpoint node, CancellationToken cancellationToken)
        => _inner.OpenDedicatedAsync(node, cancellationToken);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }
    }
}
