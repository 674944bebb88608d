using System.Globalization;
using RedisCluster.Engine;
using RedisCluster.Engine.Client;
using RedisCluster.Engine.Client.PubSub;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Tests.Routing;

namespace RedisCluster.Tests.PubSub;

/// <summary>Opens clients and subscribers for the pub/sub tests and drains what they receive.</summary>
internal static class Subscribers
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    public static RedisClient Connect(int port, RedisProtocol protocol, CapturingLog log)
    {
        var options = new RedisClientOptions(new ConnectionOptions { Protocol = protocol }) { Log = log };
        return RedisClientFactory.ConnectAsync(new[] { new RedisEndpoint("127.0.0.1", port) }, options).GetAwaiter().GetResult();
    }

    public static void Subscribe(this RedisSubscriber subscriber, SubscriptionKind kind, params string[] names)
        => subscriber.SubscribeAsync(kind, names).WaitAsync(Deadline).GetAwaiter().GetResult();

    /// <summary>Takes messages until <paramref name="done"/> says so or the deadline passes.</summary>
    public static List<PubSubMessage> ReceiveUntil(this RedisSubscriber subscriber, Func<List<PubSubMessage>, bool> done, TimeSpan? deadline = null)
    {
        var received = new List<PubSubMessage>();
        DateTime until = DateTime.UtcNow + (deadline ?? Deadline);
        while (!done(received) && DateTime.UtcNow < until)
        {
            if (subscriber.TryReceive(TimeSpan.FromMilliseconds(200), CancellationToken.None, out PubSubMessage? message))
            {
                received.Add(message!);
            }
        }

        return received;
    }

    /// <summary>PUBLISH (or SPUBLISH) "channel:i" for i in [from, to), round-robin over the channels, pipelined in batches.</summary>
    public static void Publish(RedisClient client, string command, IReadOnlyList<string> channels, int from, int to)
    {
        for (int start = from; start < to; start += 500)
        {
            var batch = new List<RedisCommand>();
            for (int i = start; i < Math.Min(to, start + 500); i++)
            {
                string channel = channels[i % channels.Count];
                batch.Add(RedisCommand.Create(command, channel, Payload(channel, i)));
            }

            foreach (RedisReply reply in client.ExecuteBatchAsync(batch).GetAwaiter().GetResult())
            {
                if (reply.Value.IsError)
                {
                    throw new InvalidOperationException(reply.Command + ": " + reply.Value.GetString());
                }
            }
        }
    }

    public static string Payload(string channel, int sequence) => channel + ":" + sequence.ToString(CultureInfo.InvariantCulture);

    public static int SequenceOf(PubSubMessage message) => int.Parse(message.Text[(message.Text.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);

    /// <summary>
    /// Subscribes to three fresh channels, publishes 10,000 messages round-robin over them while taking them, and
    /// asserts that every one arrived, none dropped, each channel's in the order published. Returns them.
    /// </summary>
    public static List<PubSubMessage> AssertTenThousandArriveInOrder(RedisClient client, RedisSubscriber subscriber, string prefix)
    {
        var channels = new[] { prefix + ":a", prefix + ":b", prefix + ":c" };
        subscriber.Subscribe(SubscriptionKind.Channel, channels);
        var publishing = Task.Run(() => Publish(client, "PUBLISH", channels, 0, 10_000));
        List<PubSubMessage> received = subscriber.ReceiveUntil(r => r.Count == 10_000);
        publishing.GetAwaiter().GetResult();

        Xunit.Assert.Equal(10_000, received.Count);
        Xunit.Assert.Equal(0, subscriber.Dropped);
        foreach (string channel in channels)
        {
            Xunit.Assert.Equal(Enumerable.Range(0, 10_000).Where(i => channels[i % 3] == channel), received.Where(m => m.Channel == channel).Select(SequenceOf));
        }

        Xunit.Assert.All(received, m => Xunit.Assert.Equal(SubscriptionKind.Channel, m.Kind));
        return received;
    }

    /// <summary>Asserts that each channel's messages carry the sequence numbers in increasing order, none twice.</summary>
    public static void AssertInOrderPerChannel(IEnumerable<PubSubMessage> messages) => AssertInOrderPerChannel(messages, _ => false);

    /// <summary>
    /// Asserts that no sequence number arrives twice, and that those <paramref name="unordered"/> does not exempt
    /// arrive in increasing order: a message published while its node fails over may be published late by the
    /// old primary (a command held by the failover's pause runs when it ends), which no subscriber can reorder.
    /// </summary>
    public static void AssertInOrderPerChannel(IEnumerable<PubSubMessage> messages, Func<int, bool> unordered)
    {
        foreach (var channel in messages.GroupBy(m => m.Channel))
        {
            var seen = new HashSet<int>();
            int last = -1;
            foreach (PubSubMessage message in channel)
            {
                int sequence = SequenceOf(message);
                Xunit.Assert.True(seen.Add(sequence), $"{channel.Key}: {sequence} arrived twice");
                if (unordered(sequence))
                {
                    continue;
                }

                Xunit.Assert.True(sequence > last, $"{channel.Key}: {sequence} after {last}");
                last = sequence;
            }
        }
    }
}
