using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Routing;
using Xunit;

namespace RedisCluster.Tests.Routing;

/// <summary>
/// BatchCoalescer with a fake executor (a stage test, as Envoy tests its splitter; the live smart tunnel tests run it
/// against real clusters): callers' batches merge while others are in flight, each caller's commands stay together and
/// in order, each gets its own replies, and a failure or a cancellation reaches only those it concerns.
/// </summary>
public sealed class BatchCoalescerTests
{
    /// <summary>Records each merged batch and answers it when the test says so.</summary>
    private sealed class ControlledExecutor
    {
        private readonly object _gate = new object();
        private readonly List<(List<string> Commands, TaskCompletionSource<IReadOnlyList<RedisReply>> Done)> _calls =
            new List<(List<string>, TaskCompletionSource<IReadOnlyList<RedisReply>>)>();

        public Task<IReadOnlyList<RedisReply>> ExecuteAsync(IReadOnlyList<string> commands, CancellationToken cancellationToken)
        {
            var done = new TaskCompletionSource<IReadOnlyList<RedisReply>>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                _calls.Add((commands.ToList(), done));
                Monitor.PulseAll(_gate);
            }

            return done.Task;
        }

        /// <summary>Waits (for a condition, bounded only as a hang guard) until the executor was called <paramref name="count"/> times.</summary>
        public (List<string> Commands, TaskCompletionSource<IReadOnlyList<RedisReply>> Done) Call(int count)
        {
            lock (_gate)
            {
                DateTime giveUp = DateTime.UtcNow.AddSeconds(30);
                while (_calls.Count < count)
                {
                    Assert.True(DateTime.UtcNow < giveUp, "the executor was called " + _calls.Count + " times, not " + count);
                    Monitor.Wait(_gate, TimeSpan.FromMilliseconds(100));
                }

                return _calls[count - 1];
            }
        }

        private static readonly RedisEndpoint Endpoint = new RedisEndpoint("127.0.0.1", 1);

        public int Calls
        {
            get
            {
                lock (_gate)
                {
                    return _calls.Count;
                }
            }
        }

        /// <summary>Answers a batch: each command's reply is its own text.</summary>
        public static void Answer((List<string> Commands, TaskCompletionSource<IReadOnlyList<RedisReply>> Done) call)
            => call.Done.SetResult(call.Commands.Select(c => new RedisReply(RedisCommand.Create(c), RespValue.SimpleString(c), Endpoint, TimeSpan.Zero)).ToList());
    }

    private static IEnumerable<string> Texts(IReadOnlyList<RedisReply> replies) => replies.Select(r => r.Value.GetString()!);

    [Fact]
    public async Task CallersThatComeWhileABatchIsInFlightShareTheNextOneAndGetTheirOwnReplies()
    {
        var executor = new ControlledExecutor();
        var coalescer = new BatchCoalescer<string>(executor.ExecuteAsync, maxInFlight: 1);

        Task<IReadOnlyList<RedisReply>> first = coalescer.ExecuteAsync(new[] { "a1" }, CancellationToken.None);
        var firstCall = executor.Call(1);
        Task<IReadOnlyList<RedisReply>> second = coalescer.ExecuteAsync(new[] { "b1", "b2" }, CancellationToken.None);
        Task<IReadOnlyList<RedisReply>> third = coalescer.ExecuteAsync(new[] { "c1" }, CancellationToken.None);
        Assert.Equal(1, executor.Calls);

        ControlledExecutor.Answer(firstCall);
        Assert.Equal(new[] { "a1" }, Texts(await first));

        var merged = executor.Call(2);
        Assert.Equal(new[] { "b1", "b2", "c1" }, merged.Commands);
        ControlledExecutor.Answer(merged);
        Assert.Equal(new[] { "b1", "b2" }, Texts(await second));
        Assert.Equal(new[] { "c1" }, Texts(await third));
    }

    [Fact]
    public async Task AMergedBatchStopsAtTheCommandLimitWithoutSplittingACaller()
    {
        var executor = new ControlledExecutor();
        var coalescer = new BatchCoalescer<string>(executor.ExecuteAsync, maxInFlight: 1, maxCommands: 3);

        Task<IReadOnlyList<RedisReply>> first = coalescer.ExecuteAsync(new[] { "a" }, CancellationToken.None);
        var firstCall = executor.Call(1);
        Task<IReadOnlyList<RedisReply>> two = coalescer.ExecuteAsync(new[] { "b1", "b2" }, CancellationToken.None);
        Task<IReadOnlyList<RedisReply>> another = coalescer.ExecuteAsync(new[] { "c1", "c2" }, CancellationToken.None);
        ControlledExecutor.Answer(firstCall);
        await first;

        var second = executor.Call(2);
        Assert.Equal(new[] { "b1", "b2" }, second.Commands);
        ControlledExecutor.Answer(second);
        var third = executor.Call(3);
        Assert.Equal(new[] { "c1", "c2" }, third.Commands);
        ControlledExecutor.Answer(third);
        Assert.Equal(new[] { "b1", "b2" }, Texts(await two));
        Assert.Equal(new[] { "c1", "c2" }, Texts(await another));
    }

    [Fact]
    public async Task AFailedBatchFailsEveryCallerInItAndTheNextBatchRuns()
    {
        var executor = new ControlledExecutor();
        var coalescer = new BatchCoalescer<string>(executor.ExecuteAsync, maxInFlight: 1);

        Task<IReadOnlyList<RedisReply>> first = coalescer.ExecuteAsync(new[] { "a" }, CancellationToken.None);
        var firstCall = executor.Call(1);
        Task<IReadOnlyList<RedisReply>> b = coalescer.ExecuteAsync(new[] { "b" }, CancellationToken.None);
        Task<IReadOnlyList<RedisReply>> c = coalescer.ExecuteAsync(new[] { "c" }, CancellationToken.None);
        firstCall.Done.SetException(new RedisException("boom"));
        Assert.Equal("boom", (await Assert.ThrowsAsync<RedisException>(() => first)).Message);

        executor.Call(2).Done.SetException(new RedisException("both"));
        await Assert.ThrowsAsync<RedisException>(() => b);
        await Assert.ThrowsAsync<RedisException>(() => c);

        Task<IReadOnlyList<RedisReply>> d = coalescer.ExecuteAsync(new[] { "d" }, CancellationToken.None);
        ControlledExecutor.Answer(executor.Call(3));
        Assert.Equal(new[] { "d" }, Texts(await d));
    }

    [Fact]
    public async Task ACallerThatStopsWaitingLeavesTheOthersInItsBatchTheirReplies()
    {
        var executor = new ControlledExecutor();
        var coalescer = new BatchCoalescer<string>(executor.ExecuteAsync, maxInFlight: 1);
        using var leaving = new CancellationTokenSource();

        Task<IReadOnlyList<RedisReply>> first = coalescer.ExecuteAsync(new[] { "a" }, CancellationToken.None);
        var firstCall = executor.Call(1);
        Task<IReadOnlyList<RedisReply>> left = coalescer.ExecuteAsync(new[] { "gone" }, leaving.Token);
        Task<IReadOnlyList<RedisReply>> stays = coalescer.ExecuteAsync(new[] { "stays" }, CancellationToken.None);
        leaving.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => left);

        ControlledExecutor.Answer(firstCall);
        await first;

        // Its commands may already be on the wire in a real batch, so they still go; only the waiting stopped.
        var merged = executor.Call(2);
        Assert.Equal(new[] { "gone", "stays" }, merged.Commands);
        ControlledExecutor.Answer(merged);
        Assert.Equal(new[] { "stays" }, Texts(await stays));
    }
}
