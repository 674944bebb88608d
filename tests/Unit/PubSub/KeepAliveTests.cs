using RedisCluster.Engine.Client;
using RedisCluster.Engine.Client.PubSub;
using RedisCluster.Engine.Connections;
using RedisCluster.Tests.Infrastructure;
using RedisCluster.Tests.Routing;
using Xunit;

namespace RedisCluster.Tests.PubSub;

/// <summary>
/// A server that stops answering without closing the connection (CLIENT PAUSE stands in for a frozen host or a
/// partition): the subscriber notices through its PING, replaces the connection and subscribes again. On a server
/// of its own, since the pause stops every client.
/// </summary>
public sealed class KeepAliveTests
{
    [Theory]
    [InlineData(RedisProtocol.Resp2)]
    [InlineData(RedisProtocol.Resp3)]
    public void ASilentConnectionIsReplacedAndSubscribedAgain(RedisProtocol protocol)
    {
        using var server = RedisServer.Start(new RedisServerOptions { Name = "pubsub-keepalive" });
        var log = new CapturingLog();
        using RedisClient client = Subscribers.Connect(server.Port, protocol, log);
        using var subscriber = new RedisSubscriber(client, new SubscriberOptions
        {
            PlacementCheckInterval = TimeSpan.FromMilliseconds(50),
            // Long enough that a loaded machine answers a PING well within it (at 300 ms, a busy CI box once missed one
            // and the quiet phase saw a reconnect); the pause below outlasts two intervals, so the silence is still caught.
            KeepAliveInterval = TimeSpan.FromSeconds(1),
        });
        subscriber.Subscribe(SubscriptionKind.Channel, "ka");

        // Quiet but alive: PINGs go out and are answered, and the subscription stays where it is.
        long pings = PingCalls(client);
        Assert.True(Poll.Until(() => PingCalls(client) >= pings + 3, Subscribers.Deadline));
        Assert.Equal(0, subscriber.Resubscriptions);
        Assert.Single(log.Messages, m => m.Contains("Pub/sub: connected to", StringComparison.Ordinal));
        Assert.Equal(1, client.Run("PUBLISH", "ka", "alive").Integer);
        Assert.Equal("alive", subscriber.ReceiveUntil(r => r.Count == 1).Single().Text);

        Assert.Equal("OK", client.Run("CLIENT", "PAUSE", "5000", "ALL").GetString());
        Assert.True(Poll.Until(() => subscriber.Resubscriptions == 1, Subscribers.Deadline), string.Join("\n", log.Messages));
        Assert.True(log.Any("No reply from 127.0.0.1:" + server.Port + " to PING"), string.Join("\n", log.Messages));
        Assert.Equal(1, client.Run("PUBLISH", "ka", "after").Integer);
        Assert.Equal("after", subscriber.ReceiveUntil(r => r.Count == 1).Single().Text);
    }

    /// <summary>How many PING commands the server has run (INFO commandstats).</summary>
    private static long PingCalls(RedisClient client)
    {
        string stats = client.Run("INFO", "commandstats").GetString() ?? string.Empty;
        string? line = stats.Split('\n').FirstOrDefault(l => l.StartsWith("cmdstat_ping:", StringComparison.Ordinal));
        return line == null ? 0 : long.Parse(line.Split(',')[0]["cmdstat_ping:calls=".Length..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
