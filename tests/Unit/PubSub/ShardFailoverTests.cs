using System.Collections.Concurrent;
using System.Diagnostics;
using RedisCluster.Engine.Client.PubSub;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Routing;
using RedisCluster.Tests.Infrastructure;
using RedisCluster.Tests.Routing;
using Xunit;
using Xunit.Abstractions;

namespace RedisCluster.Tests.PubSub;

/// <summary>
/// A sharded subscription on a cluster of its own follows its slot: through CLUSTER FAILOVER of its primary and
/// through a slot move. A publisher sends numbered messages all along; the gap is measured and written to the
/// test output, never asserted (pub/sub delivers at most once: what is published while the subscription is being
/// moved is not received).
/// </summary>
public sealed class ShardFailoverTests : IClassFixture<DedicatedClusterFixture>
{
    private readonly RedisClusterProcesses _cluster;
    private readonly ITestOutputHelper _output;

    public ShardFailoverTests(DedicatedClusterFixture fixture, ITestOutputHelper output)
    {
        _cluster = fixture.Cluster;
        _output = output;
    }

    [Theory]
    [InlineData(RedisProtocol.Resp3)]
    [InlineData(RedisProtocol.Resp2)]
    public async Task AShardSubscriptionSurvivesFailoverAndASlotMove(RedisProtocol protocol)
    {
        _cluster.WaitHealthy(TimeSpan.FromSeconds(60));
        var log = new CapturingLog();
        using ClusterRedisClient client = ClusterClients.Open(_cluster, log, connection: new ConnectionOptions { Protocol = protocol });
        using var subscriber = new RedisSubscriber(client);
        string channel = "{ps-failover-" + protocol + "}jobs";
        int slot = HashSlot.GetSlot(channel);
        subscriber.Subscribe(SubscriptionKind.ShardChannel, channel);
        RedisEndpoint first = client.OwnerOf(channel);
        Assert.Equal(first, subscriber.NodeOf(SubscriptionKind.ShardChannel, channel));

        using var publisher = new NumberedPublisher(client, channel);
        var received = new ConcurrentQueue<(PubSubMessage Message, long At)>();
        using var stop = new CancellationTokenSource();
        var consumer = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                if (subscriber.TryReceive(TimeSpan.FromMilliseconds(100), CancellationToken.None, out PubSubMessage? m))
                {
                    received.Enqueue((m!, Stopwatch.GetTimestamp()));
                }
            }
        });

        WaitForMessagesAfter(received, publisher.Sent);

        // 1. CLUSTER FAILOVER: a replica of the channel's primary takes over.
        var replica = _cluster.NodeForPort(client.Topology.GetReplicasOf(client.Topology.GetPrimaryForSlot(slot)!.Id).First().Endpoint!.Port);
        long failoverAt = publisher.Sent;
        Assert.Equal("OK", replica.Cli("CLUSTER", "FAILOVER"));
        Assert.True(Poll.Until(() => replica.Cli("ROLE").StartsWith("master", StringComparison.Ordinal), Subscribers.Deadline));
        Assert.True(Poll.Until(() => replica.Port.Equals(subscriber.NodeOf(SubscriptionKind.ShardChannel, channel)?.Port), Subscribers.Deadline),
            "still at " + subscriber.NodeOf(SubscriptionKind.ShardChannel, channel) + "\n" + string.Join("\n", log.Messages));
        long failoverDone = publisher.Sent;
        WaitForMessagesAfter(received, publisher.Sent);
        Report(_output, "failover", received, failoverAt, publisher.Sent, log);

        // 2. The slot moves to another primary (SETSLOT NODE everywhere, as redis-cli --cluster reshard ends).
        _cluster.WaitHealthy(TimeSpan.FromSeconds(60));
        var source = replica;
        var target = _cluster.Masters().First(m => m.Port != source.Port);
        string sourceId = source.Cli("CLUSTER", "MYID"), targetId = target.Cli("CLUSTER", "MYID");
        long moveAt = publisher.Sent;
        Assert.Equal("OK", target.Cli("CLUSTER", "SETSLOT", slot.ToString(), "IMPORTING", sourceId));
        Assert.Equal("OK", source.Cli("CLUSTER", "SETSLOT", slot.ToString(), "MIGRATING", targetId));
        foreach (var master in _cluster.Masters())
        {
            Assert.Equal("OK", master.Cli("CLUSTER", "SETSLOT", slot.ToString(), "NODE", targetId));
        }

        Assert.True(Poll.Until(() => target.Port.Equals(subscriber.NodeOf(SubscriptionKind.ShardChannel, channel)?.Port), Subscribers.Deadline),
            "still at " + subscriber.NodeOf(SubscriptionKind.ShardChannel, channel) + "\n" + string.Join("\n", log.Messages));
        WaitForMessagesAfter(received, publisher.Sent);
        Report(_output, "slot move", received, moveAt, publisher.Sent, log);

        stop.Cancel();
        await consumer;
        Subscribers.AssertInOrderPerChannel(received.Select(r => r.Message), n => n >= failoverAt && n < failoverDone);
        Assert.Equal(0, subscriber.Dropped);
        Assert.True(subscriber.Resubscriptions >= 2, subscriber.Resubscriptions + "\n" + string.Join("\n", log.Messages));
    }

    [Fact]
    public void AShardChannelSubscribedWithAStaleSlotMapFollowsMoved()
    {
        _cluster.WaitHealthy(TimeSpan.FromSeconds(60));
        var log = new CapturingLog();
        using ClusterRedisClient client = ClusterClients.Open(_cluster, log);
        using var subscriber = new RedisSubscriber(client);
        string channel = "{ps-moved}orders";
        int slot = HashSlot.GetSlot(channel);

        // The slot moves after the client learned the topology: the first SSUBSCRIBE goes to the old owner.
        var source = _cluster.NodeForPort(client.OwnerOf(channel).Port);
        var target = _cluster.Masters().First(m => m.Port != source.Port);
        string targetId = target.Cli("CLUSTER", "MYID");
        foreach (var master in _cluster.Masters())
        {
            Assert.Equal("OK", master.Cli("CLUSTER", "SETSLOT", slot.ToString(), "NODE", targetId));
        }

        subscriber.Subscribe(SubscriptionKind.ShardChannel, channel);

        Assert.Equal(target.Port, subscriber.NodeOf(SubscriptionKind.ShardChannel, channel)!.Port);
        Assert.True(log.Any("MOVED " + slot), string.Join("\n", log.Messages));
        Assert.Equal(1, client.Run("SPUBLISH", channel, "after-moved").Integer);
        Assert.Equal("after-moved", subscriber.ReceiveUntil(r => r.Count == 1).Single().Text);
        Assert.Equal(0, subscriber.Resubscriptions);
    }

    /// <summary>Waits until a message numbered at or after <paramref name="sequence"/> arrived: the subscription delivers again.</summary>
    internal static void WaitForMessagesAfter(ConcurrentQueue<(PubSubMessage Message, long At)> received, long sequence)
        => Assert.True(Poll.Until(() => received.Any(r => Subscribers.SequenceOf(r.Message) >= sequence), Subscribers.Deadline),
            "no message numbered " + sequence + " or later; last " + (received.IsEmpty ? "none" : received.Last().Message.Text));

    internal static void Report(ITestOutputHelper output, string what, ConcurrentQueue<(PubSubMessage Message, long At)> received, long from, long to, CapturingLog log)
    {
        var window = received.Where(r => Subscribers.SequenceOf(r.Message) >= from - 1 && Subscribers.SequenceOf(r.Message) <= to).ToList();
        double longest = 0;
        for (int i = 1; i < window.Count; i++)
        {
            longest = Math.Max(longest, (window[i].At - window[i - 1].At) * 1000.0 / Stopwatch.Frequency);
        }

        int missing = (int)(to - from + 1) - window.Count(r => Subscribers.SequenceOf(r.Message) >= from);
        output.WriteLine($"{what}: longest pause between messages {longest:0} ms, {missing} of {to - from + 1} published in the window not received; "
            + string.Join(" | ", log.Messages.Where(m => m.Contains("again, at", StringComparison.Ordinal) || m.Contains("Pub/sub:", StringComparison.Ordinal))));
        log.Clear();
    }

    /// <summary>SPUBLISHes "channel:n" with n counting up, through the cluster client (which follows MOVED), until disposed.</summary>
    internal sealed class NumberedPublisher : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private long _sent;

        public NumberedPublisher(ClusterRedisClient client, string channel)
        {
            _loop = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    long n = Interlocked.Read(ref _sent);
                    try
                    {
                        await client.ExecuteAsync(RedisCommand.Create("SPUBLISH", channel, Subscribers.Payload(channel, (int)n)));
                    }
                    catch (Engine.Errors.RedisException)
                    {
                        // Mid-failover. The message may have been published all the same (an error can come after
                        // the node ran it), so its number is not used again: sending it again could deliver it
                        // twice, and the test checks that no number arrives twice or out of order.
                    }

                    Interlocked.Increment(ref _sent);

                    await Task.Delay(5);
                }
            });
        }

        /// <summary>The number the next message will carry.</summary>
        public long Sent => Interlocked.Read(ref _sent);

        public void Dispose()
        {
            _stop.Cancel();
            _loop.GetAwaiter().GetResult();
        }
    }
}
