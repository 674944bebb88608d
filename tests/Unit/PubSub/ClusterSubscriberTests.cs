using RedisCluster.Engine.Client.PubSub;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Routing;
using RedisCluster.Tests.Infrastructure;
using RedisCluster.Tests.Routing;
using Xunit;

namespace RedisCluster.Tests.PubSub;

/// <summary>RedisSubscriber against the shared 3x1 cluster: classic channels from one node, shard channels at their slots' primaries.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterSubscriberTests
{
    private readonly RedisClusterProcesses _cluster;

    public ClusterSubscriberTests(ClusterFixture fixture) => _cluster = fixture.Cluster;

    private static string Unique(string name) => "ps:" + name + ":" + Guid.NewGuid().ToString("N")[..8];

    [Theory]
    [InlineData(RedisProtocol.Resp2)]
    [InlineData(RedisProtocol.Resp3)]
    public void TenThousandMessagesOnThreeChannelsArriveInOrderWhileTheConsumerKeepsUp(RedisProtocol protocol)
    {
        var log = new CapturingLog();
        using ClusterRedisClient client = ClusterClients.Open(_cluster, log, connection: new ConnectionOptions { Protocol = protocol });
        using var subscriber = new RedisSubscriber(client);
        Assert.Equal(protocol == RedisProtocol.Resp2 ? 2 : 3, client.Hello.Protocol);

        // PUBLISH goes to whichever node routing picks; the cluster bus carries it to the subscriber's one node.
        List<PubSubMessage> received = Subscribers.AssertTenThousandArriveInOrder(client, subscriber, Unique("order"));
        Assert.True(log.Any(protocol == RedisProtocol.Resp2 ? "(RESP2)" : "(RESP3)"), "the subscriber's own connection speaks the protocol asked for");

        Assert.Single(received.Select(m => m.Node).Distinct());
    }

    [Theory]
    [InlineData(RedisProtocol.Resp2)]
    [InlineData(RedisProtocol.Resp3)]
    public void ShardChannelsAreSubscribedAtTheirSlotsPrimaries(RedisProtocol protocol)
    {
        var log = new CapturingLog();
        using ClusterRedisClient client = ClusterClients.Open(_cluster, log, connection: new ConnectionOptions { Protocol = protocol });
        using var subscriber = new RedisSubscriber(client);

        // Two channels per primary, in different slots: one SSUBSCRIBE per slot, one connection per primary.
        List<string> channels = ClusterClients.KeysOnEveryPrimary(Unique("shard"), client, 2);
        subscriber.Subscribe(SubscriptionKind.ShardChannel, channels.ToArray());
        foreach (string channel in channels)
        {
            Assert.Equal(client.OwnerOf(channel), subscriber.NodeOf(SubscriptionKind.ShardChannel, channel));
        }

        Subscribers.Publish(client, "SPUBLISH", channels, 0, 3000);
        List<PubSubMessage> received = subscriber.ReceiveUntil(r => r.Count == 3000);

        Assert.Equal(3000, received.Count);
        Subscribers.AssertInOrderPerChannel(received);
        Assert.All(received, m => Assert.Equal(client.OwnerOf(m.Channel), m.Node));
        Assert.Equal(3, received.Select(m => m.Node).Distinct().Count());
        Assert.Equal(0, subscriber.Resubscriptions);
    }

    [Fact]
    public async Task UnsubscribingOneShardChannelLeavesTheOthersAndClosesTheConnectionNoChannelNeeds()
    {
        var log = new CapturingLog();
        using ClusterRedisClient client = ClusterClients.Open(_cluster, log);
        using var subscriber = new RedisSubscriber(client);
        List<string> channels = ClusterClients.KeysOnEveryPrimary(Unique("unsub"), client, 1);
        subscriber.Subscribe(SubscriptionKind.ShardChannel, channels.ToArray());
        string gone = channels[0];
        RedisEndpoint goneNode = client.OwnerOf(gone);

        await subscriber.UnsubscribeAsync(SubscriptionKind.ShardChannel, new[] { gone }).WaitAsync(Subscribers.Deadline);
        Assert.Null(subscriber.NodeOf(SubscriptionKind.ShardChannel, gone));

        // Its primary had no other channel of this subscriber: the connection there closes, and the server forgets the channel.
        Assert.True(Poll.Until(() => client.OnNode(goneNode, "PUBSUB", "SHARDNUMSUB", gone).Items[1].Integer == 0
            && client.OnNode(goneNode, "CLIENT", "LIST").GetString()! is string clients && !clients.Contains("cmd=ssubscribe") && !clients.Contains("cmd=sunsubscribe"), Subscribers.Deadline),
            "the unsubscribed shard channel's connection is still open on " + goneNode);

        Subscribers.Publish(client, "SPUBLISH", channels, 0, 300);
        List<PubSubMessage> received = subscriber.ReceiveUntil(r => r.Count == 200);
        Assert.Equal(200, received.Count);
        Assert.DoesNotContain(received, m => m.Channel == gone);
        Subscribers.AssertInOrderPerChannel(received);
        Assert.Equal(0, subscriber.Resubscriptions);
    }
}
