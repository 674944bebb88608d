using System.Collections.Concurrent;
using System.Diagnostics;
using RedisCluster.Engine.Client.PubSub;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Routing;
using RedisCluster.Tests.Infrastructure;
using RedisCluster.Tests.Routing;
using Xunit;
using Xunit.Abstractions;

namespace RedisCluster.Tests.PubSub;

/// <summary>
/// The primary of a shard channel's slot is killed (SIGKILL): the subscriber's connection breaks, the node
/// refuses connections until the cluster promotes its replica, and the subscription is made again there. On a
/// cluster of its own, since the killed node stays dead.
/// </summary>
public sealed class KilledPrimaryTests : IClassFixture<DedicatedClusterFixture>
{
    private readonly RedisClusterProcesses _cluster;
    private readonly ITestOutputHelper _output;

    public KilledPrimaryTests(DedicatedClusterFixture fixture, ITestOutputHelper output)
    {
        _cluster = fixture.Cluster;
        _output = output;
    }

    [Fact]
    public async Task AShardSubscriptionMovesToThePromotedReplicaWhenItsPrimaryDies()
    {
        var log = new CapturingLog();
        using ClusterRedisClient client = ClusterClients.Open(_cluster, log);
        using var subscriber = new RedisSubscriber(client);
        const string channel = "{ps-killed}jobs";
        int slot = HashSlot.GetSlot(channel);
        subscriber.Subscribe(SubscriptionKind.ShardChannel, channel);
        ClusterNode primary = client.Topology.GetPrimaryForSlot(slot)!;
        var replica = _cluster.NodeForPort(client.Topology.GetReplicasOf(primary.Id).First().Endpoint!.Port);

        using var publisher = new ShardFailoverTests.NumberedPublisher(client, channel);
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
        ShardFailoverTests.WaitForMessagesAfter(received, publisher.Sent);

        long killedAt = publisher.Sent;
        _cluster.NodeForPort(primary.Endpoint!.Port).Kill();

        Assert.True(Poll.Until(() => replica.Port.Equals(subscriber.NodeOf(SubscriptionKind.ShardChannel, channel)?.Port), Subscribers.Deadline),
            "still at " + subscriber.NodeOf(SubscriptionKind.ShardChannel, channel) + "\n" + string.Join("\n", log.Messages));
        ShardFailoverTests.WaitForMessagesAfter(received, publisher.Sent);
        ShardFailoverTests.Report(_output, "killed primary", received, killedAt, publisher.Sent, log);

        stop.Cancel();
        await consumer;
        Subscribers.AssertInOrderPerChannel(received.Select(r => r.Message));
        Assert.Equal(1, subscriber.Resubscriptions);
    }
}
