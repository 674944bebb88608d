using System.Globalization;
using RedisCluster.Engine.Protocol;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Tunnel.Smart;

/// <summary>
/// Where Redis 7.0.15's own test suite (bench/redis-test-suite) found the smart tunnel answering unlike one
/// server, each case as the suite asks it.
/// </summary>
public sealed class SmartTunnelSuiteParityTests : SmartTunnelTestBase, IClassFixture<SmartClusterFixture>
{
    public SmartTunnelSuiteParityTests(SmartClusterFixture fixture)
        : base(fixture.Cluster)
    {
    }

    [Fact]
    public void ClientListAndInfoShowTheCallersOwnCommandInItsQueryBuffer()
    {
        using var client = RawRespClient.Connect(Port);
        using var other = RawRespClient.Connect(Port);
        long otherId = other.Call("CLIENT", "ID").Integer;

        // "*2\r\n$6\r\nclient\r\n$4\r\ninfo\r\n" is 26 bytes, which Redis still holds while it runs the command.
        Assert.Contains(" qbuf=26 ", client.Call("CLIENT", "INFO").GetString());
        string[] list = client.Call("CLIENT", "LIST").GetString()!.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(list, line => line.Contains(" qbuf=26 ", StringComparison.Ordinal) && line.Contains(" cmd=client|list ", StringComparison.Ordinal));

        // A client waiting for its next command has an empty query buffer.
        Assert.Contains(list, line => line.StartsWith("id=" + otherId.ToString(CultureInfo.InvariantCulture) + " ", StringComparison.Ordinal) && line.Contains(" qbuf=0 ", StringComparison.Ordinal));
    }

    [Fact]
    public void ClientKillWithIllegalArgumentsFailsLikeRedis()
    {
        using var client = RawRespClient.Connect(Port);
        Assert.Equal("ERR wrong number of arguments for 'client|kill' command", client.Call("CLIENT", "KILL").GetString());
        Assert.Equal("ERR No such user 'wrong_user'", client.Call("CLIENT", "KILL", "USER", "wrong_user").GetString());
        Assert.StartsWith("ERR syntax error", client.Call("CLIENT", "KILL", "ID", "10", "wrong_arg").GetString());

        // A user the nodes know, with no application logged in as it, matches nobody.
        Assert.Equal(0, client.Call("CLIENT", "KILL", "USER", StandaloneFixture.AclUser).Integer);
        Assert.Equal("PONG", client.Call("PING").GetString());
    }

    [Fact]
    public void PublishCountsEverySubscriberOfTheTunnel()
    {
        using var publisher = RawRespClient.Connect(Port);
        var subscribers = new List<RawRespClient>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                RawRespClient subscriber = RawRespClient.Connect(Port);
                subscribers.Add(subscriber);
                Assert.Equal(1, subscriber.Call("SUBSCRIBE", "parity:chan").Items[2].Integer);
            }

            using RawRespClient patterns = RawRespClient.Connect(Port);
            Assert.Equal(1, patterns.Call("PSUBSCRIBE", "parity:*").Items[2].Integer);
            Assert.Equal(2, patterns.Call("PSUBSCRIBE", "other:*").Items[2].Integer);

            // One server counts the receivers of a message, and its patterns, over all its clients.
            Assert.Equal(4, publisher.Call("PUBLISH", "parity:chan", "hello").Integer);
            Assert.Equal(3, publisher.Call("PUBSUB", "NUMSUB", "parity:chan").Items[1].Integer);
            Assert.Equal(2, publisher.Call("PUBSUB", "NUMPAT").Integer);
            foreach (RawRespClient subscriber in subscribers)
            {
                Assert.Equal("hello", subscriber.Read().Items[2].GetString());
            }
        }
        finally
        {
            subscribers.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public void ConfigResetstatResetsTheCountersOfEveryPrimary()
    {
        using var client = RawRespClient.Connect(Port);
        Assert.Equal("OK", client.Call("FLUSHALL").GetString());
        foreach (string key in SmartTunnelOneServerTests.KeyOnEveryPrimary("parity:stat"))
        {
            Assert.Equal(1, client.Call("LPUSH", key, "x").Integer);
            Assert.StartsWith("WRONGTYPE", client.Call("GET", key).GetString());
        }

        Assert.Contains("errorstat_WRONGTYPE", client.Call("INFO", "errorstats").GetString());
        Assert.Equal("OK", client.Call("CONFIG", "RESETSTAT").GetString());
        Assert.DoesNotContain("errorstat_", client.Call("INFO", "errorstats").GetString());
        Assert.DoesNotContain("cmdstat_get:", client.Call("INFO", "commandstats").GetString());
    }

    [Fact]
    public void ClientReplyOffOnAndSkipSilenceOnlyThisApplication()
    {
        using var client = RawRespClient.Connect(Port);
        using var other = RawRespClient.Connect(Port);

        // Silenced: nothing comes until ON, which answers OK; the commands ran meanwhile.
        client.Send("CLIENT", "REPLY", "OFF");
        client.Send("SET", "parity:reply", "1");
        client.Send("PING", "pong");
        client.Send("CLIENT", "REPLY", "ON");
        Assert.Equal("OK", client.Read().GetString());
        Assert.Equal("1", client.Call("GET", "parity:reply").GetString());

        // SKIP: the next reply only.
        client.Send("CLIENT", "REPLY", "SKIP");
        client.Send("PING", "skipped");
        client.Send("PING", "said");
        Assert.Equal("said", client.Read().GetString());

        // ON clears a SKIP not yet used.
        client.Send("CLIENT", "REPLY", "SKIP");
        client.Send("CLIENT", "REPLY", "ON");
        Assert.Equal("OK", client.Read().GetString());
        Assert.Equal("x", client.Call("PING", "x").GetString());

        // The shared connections stay in step for everybody else.
        Assert.Equal("1", other.Call("GET", "parity:reply").GetString());
        Assert.Equal("ERR syntax error", client.Call("CLIENT", "REPLY", "MAYBE").GetString());
        Assert.Equal("OK", client.Call("MULTI").GetString());
        Assert.Contains("inside MULTI is not supported", client.Call("CLIENT", "REPLY", "OFF").GetString());
        Assert.Equal("OK", client.Call("DISCARD").GetString());
    }

    [Fact]
    public void ASilencedClientStillGetsItsSubscriptionConfirmationsAndMessages()
    {
        using var client = RawRespClient.Connect(Port);
        using var publisher = RawRespClient.Connect(Port);
        client.Send("CLIENT", "REPLY", "OFF");
        Assert.Equal(1, client.Call("SUBSCRIBE", "parity:quiet").Items[2].Integer);
        Assert.Equal(1, publisher.Call("PUBLISH", "parity:quiet", "m").Integer);
        Assert.Equal("m", client.Read().Items[2].GetString());

        // RESP3: CLIENT REPLY OFF may come while subscribed; the unsubscribe confirmations still arrive.
        using var resp3 = RawRespClient.Connect(Port);
        Assert.Equal(RespType.Map, resp3.Call("HELLO", "3").Type);
        Assert.Equal(1, resp3.Call("SUBSCRIBE", "parity:three").Items[2].Integer);
        resp3.Send("CLIENT", "REPLY", "OFF");
        Assert.Equal(0, resp3.Call("UNSUBSCRIBE", "parity:three").Items[2].Integer);
    }
}
