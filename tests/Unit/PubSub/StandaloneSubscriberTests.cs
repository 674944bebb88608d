using RedisCluster.Engine;
using RedisCluster.Engine.Client;
using RedisCluster.Engine.Client.PubSub;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;
using RedisCluster.Tests.Infrastructure;
using RedisCluster.Tests.Routing;
using Xunit;

namespace RedisCluster.Tests.PubSub;

/// <summary>RedisSubscriber against one real server, in RESP2 and RESP3.</summary>
[Collection(StandaloneCollection.Name)]
public sealed class StandaloneSubscriberTests
{
    private readonly StandaloneFixture _fixture;

    public StandaloneSubscriberTests(StandaloneFixture fixture) => _fixture = fixture;

    private static string Unique(string name) => "ps:" + name + ":" + Guid.NewGuid().ToString("N")[..8];

    [Theory]
    [InlineData(RedisProtocol.Resp2)]
    [InlineData(RedisProtocol.Resp3)]
    public void TenThousandMessagesOnThreeChannelsArriveInOrderWhileTheConsumerKeepsUp(RedisProtocol protocol)
    {
        var log = new CapturingLog();
        using RedisClient client = Subscribers.Connect(_fixture.Server.Port, protocol, log);
        using var subscriber = new RedisSubscriber(client);
        Assert.Equal(protocol == RedisProtocol.Resp2 ? 2 : 3, client.Hello.Protocol);

        List<PubSubMessage> received = Subscribers.AssertTenThousandArriveInOrder(client, subscriber, Unique("order"));
        Assert.True(log.Any(protocol == RedisProtocol.Resp2 ? "(RESP2)" : "(RESP3)"), "the subscriber's own connection speaks the protocol asked for");

        Assert.All(received, m => Assert.Equal(_fixture.Server.Port, m.Node.Port));
    }

    [Theory]
    [InlineData(RedisProtocol.Resp2)]
    [InlineData(RedisProtocol.Resp3)]
    public void PatternsAndShardChannelsSayWhatMatched(RedisProtocol protocol)
    {
        var log = new CapturingLog();
        using RedisClient client = Subscribers.Connect(_fixture.Server.Port, protocol, log);
        using var subscriber = new RedisSubscriber(client);
        string prefix = Unique("news");
        subscriber.Subscribe(SubscriptionKind.Pattern, prefix + ".*");
        subscriber.Subscribe(SubscriptionKind.ShardChannel, prefix + "-shard");

        Assert.Equal(1, client.Run("PUBLISH", prefix + ".sport", "goal").Integer);
        Assert.Equal(1, client.Run("SPUBLISH", prefix + "-shard", "sharded").Integer);
        Assert.Equal(0, client.Run("PUBLISH", prefix + "-other", "unheard").Integer);
        List<PubSubMessage> received = subscriber.ReceiveUntil(r => r.Count == 2);

        Assert.Collection(received.OrderBy(m => m.Kind),
            m =>
            {
                Assert.Equal(SubscriptionKind.Pattern, m.Kind);
                Assert.Equal(prefix + ".*", m.Pattern);
                Assert.Equal(prefix + ".sport", m.Channel);
                Assert.Equal("goal", m.Text);
            },
            m =>
            {
                Assert.Equal(SubscriptionKind.ShardChannel, m.Kind);
                Assert.Null(m.Pattern);
                Assert.Equal("sharded", m.Text);
            });
    }

    [Fact]
    public void ASlowConsumerKeepsABoundedQueueAndLearnsHowManyWereDropped()
    {
        var log = new CapturingLog();
        using RedisClient client = Subscribers.Connect(_fixture.Server.Port, RedisProtocol.Auto, log);
        using var subscriber = new RedisSubscriber(client, new SubscriberOptions { MaxQueuedMessages = 1000 });
        string channel = Unique("slow");
        subscriber.Subscribe(SubscriptionKind.Channel, channel);

        // Nobody takes anything while 20,000 messages arrive.
        Subscribers.Publish(client, "PUBLISH", new[] { channel }, 0, 20_000);
        Assert.True(Poll.Until(() => subscriber.Received == 20_000, Subscribers.Deadline), "received " + subscriber.Received);

        Assert.Equal(1000, subscriber.Queued);
        Assert.Equal(19_000, subscriber.Dropped);
        Assert.Single(log.Messages, m => m.StartsWith("W Messages are arriving faster than they are taken", StringComparison.Ordinal));

        // What was kept is the oldest, in order; the queue takes new messages again once there is room.
        List<PubSubMessage> kept = subscriber.ReceiveUntil(r => r.Count == 1000);
        Assert.Equal(Enumerable.Range(0, 1000), kept.Select(Subscribers.SequenceOf));
        Assert.Equal(1, client.Run("PUBLISH", channel, Subscribers.Payload(channel, 20_000)).Integer);
        Assert.Equal(20_000, Subscribers.SequenceOf(subscriber.ReceiveUntil(r => r.Count == 1).Single()));
    }

    [Fact]
    public void TheQueueIsBoundedInBytesToo()
    {
        var log = new CapturingLog();
        using RedisClient client = Subscribers.Connect(_fixture.Server.Port, RedisProtocol.Auto, log);
        using var subscriber = new RedisSubscriber(client, new SubscriberOptions { MaxQueuedBytes = 1024 * 1024 });
        string channel = Unique("big");
        subscriber.Subscribe(SubscriptionKind.Channel, channel);

        string payload = new string('x', 100 * 1024);
        for (int i = 0; i < 50; i++)
        {
            client.Run("PUBLISH", channel, payload);
        }

        Assert.True(Poll.Until(() => subscriber.Received == 50, Subscribers.Deadline));
        Assert.Equal(10, subscriber.Queued);
        Assert.Equal(40, subscriber.Dropped);
    }

    [Theory]
    [InlineData(RedisProtocol.Resp2)]
    [InlineData(RedisProtocol.Resp3)]
    public void AKilledConnectionIsReplacedAndSubscribedAgain(RedisProtocol protocol)
    {
        var log = new CapturingLog();
        using RedisClient client = Subscribers.Connect(_fixture.Server.Port, protocol, log);
        using var subscriber = new RedisSubscriber(client);
        string channel = Unique("kill"), pattern = Unique("killp") + "*";
        subscriber.Subscribe(SubscriptionKind.Channel, channel);
        subscriber.Subscribe(SubscriptionKind.Pattern, pattern);

        string id = client.Run("CLIENT", "LIST", "TYPE", "pubsub").GetString()!.Split('\n')
            .Single(line => line.Contains("psub=1", StringComparison.Ordinal) && line.Contains("sub=1", StringComparison.Ordinal)).Split(' ')[0]["id=".Length..];
        Assert.Equal(1, client.Run("CLIENT", "KILL", "ID", id).Integer);

        Assert.True(Poll.Until(() => subscriber.Resubscriptions == 2, Subscribers.Deadline), string.Join("\n", log.Messages));
        Assert.Equal(1, client.Run("PUBLISH", channel, "after").Integer);
        Assert.Equal(1, client.Run("PUBLISH", pattern.TrimEnd('*') + "x", "after-pattern").Integer);
        Assert.Equal(new[] { "after", "after-pattern" }, subscriber.ReceiveUntil(r => r.Count == 2).Select(m => m.Text));
        Assert.True(log.Any("again, at 127.0.0.1:" + _fixture.Server.Port), string.Join("\n", log.Messages));
    }

    [Fact]
    public async Task ARefusedSubscriptionFailsWithTheServersError()
    {
        var log = new CapturingLog();
        using RedisClient client = Subscribers.Connect(_fixture.Server.Port, RedisProtocol.Resp2, log);
        string user = Unique("nochan").Replace(':', '-');
        Assert.Equal("OK", client.Run("ACL", "SETUSER", user, "on", ">pw-" + user, "+@all", "~*", "resetchannels", "&allowed").GetString());
        try
        {
            var connection = new ConnectionOptions { Protocol = RedisProtocol.Resp2 };
            connection.SetCredential(user, Secure("pw-" + user));
            using RedisClient limited = await RedisClientFactory.ConnectAsync(new[] { new RedisEndpoint("127.0.0.1", _fixture.Server.Port) }, new RedisClientOptions(connection) { Log = log });
            using var subscriber = new RedisSubscriber(limited);
            subscriber.Subscribe(SubscriptionKind.Channel, "allowed");
            var refused = Assert.Throws<RedisServerErrorException>(() => subscriber.Subscribe(SubscriptionKind.Channel, "forbidden"));
            Assert.Contains("NOPERM", refused.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("pw-", string.Join("\n", log.Messages), StringComparison.Ordinal);

            // The subscription that was allowed still works.
            Assert.Equal(1, client.Run("PUBLISH", "allowed", "still").Integer);
            Assert.Equal("still", subscriber.ReceiveUntil(r => r.Count == 1).Single().Text);
        }
        finally
        {
            client.Run("ACL", "DELUSER", user);
        }
    }

    private static System.Security.SecureString Secure(string text)
    {
        var secure = new System.Security.SecureString();
        foreach (char c in text)
        {
            secure.AppendChar(c);
        }

        secure.MakeReadOnly();
        return secure;
    }

    [Theory]
    [InlineData(RedisProtocol.Resp2)]
    [InlineData(RedisProtocol.Resp3)]
    public async Task UnsubscribingSomeChannelsAndAPatternLeavesTheOthersInPlace(RedisProtocol protocol)
    {
        var log = new CapturingLog();
        using RedisClient client = Subscribers.Connect(_fixture.Server.Port, protocol, log);
        using var subscriber = new RedisSubscriber(client);
        string prefix = Unique("unsub");
        string gone = prefix + ":gone", kept = prefix + ":kept", pattern = prefix + ":p*";
        subscriber.Subscribe(SubscriptionKind.Channel, gone, kept);
        subscriber.Subscribe(SubscriptionKind.Pattern, pattern);

        await subscriber.UnsubscribeAsync(SubscriptionKind.Channel, new[] { gone, prefix + ":never-subscribed" }).WaitAsync(Subscribers.Deadline);
        await subscriber.UnsubscribeAsync(SubscriptionKind.Pattern, new[] { pattern }).WaitAsync(Subscribers.Deadline);
        Assert.True(Poll.Until(() => client.Run("PUBSUB", "NUMSUB", gone, kept).Items[1].Integer == 0 && client.Run("PUBSUB", "NUMPAT").Integer == 0, Subscribers.Deadline),
            "the server still counts the channel or the pattern that was unsubscribed");
        Assert.Equal(1, client.Run("PUBSUB", "NUMSUB", kept).Items[1].Integer);

        // One connection, in publish order: once the last message on the kept channel is in, any other would be too.
        Assert.Equal(0, client.Run("PUBLISH", gone, "lost").Integer);
        Assert.Equal(0, client.Run("PUBLISH", prefix + ":pattern-match", "lost").Integer);
        Assert.Equal(1, client.Run("PUBLISH", kept, "still here").Integer);
        List<PubSubMessage> received = subscriber.ReceiveUntil(r => r.Count >= 1);
        PubSubMessage only = Assert.Single(received);
        Assert.Equal((kept, "still here"), (only.Channel, only.Text));
        Assert.Equal(0, subscriber.Queued);
    }
}
