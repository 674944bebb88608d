using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Routing;
using RedisCluster.Engine.Tunnel.Smart;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Routing;

/// <summary>
/// CommandPlanner's one route decision per command, from a real cluster's COMMAND metadata: the same decision the
/// cluster client plans with and the smart tunnel relays by.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class CommandPlannerTests : IDisposable
{
    private readonly ClusterRedisClient _client;
    private readonly ClusterRedisClient _replicaReader;

    public CommandPlannerTests(ClusterFixture fixture)
    {
        _client = ClusterClients.Open(fixture.Cluster, new CapturingLog());
        _replicaReader = ClusterClients.Open(fixture.Cluster, new CapturingLog(), readFromReplica: true);
    }

    public void Dispose()
    {
        _client.Dispose();
        _replicaReader.Dispose();
    }

    private CommandRoute Decide(params string[] args) => Decide(_client, args);

    private static CommandRoute Decide(ClusterRedisClient client, params string[] args)
    {
        var command = RedisCommand.Create(args);
        CommandInfo? info = client.Commands.Find(command);
        Assert.True(client.Planner.TryDecide(command, info, out CommandRoute route), args[0] + " needed the server to decide");
        CommandRoute awaited = client.Planner.DecideAsync(command, info, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        Assert.Equal(route.Kind, awaited.Kind);
        Assert.Equal(route.Slot, awaited.Slot);
        return route;
    }

    [Fact]
    public void AOneKeyCommandGoesToItsSlot()
    {
        CommandRoute route = Decide("GET", "planner:k");
        Assert.Equal(RouteKind.SingleSlot, route.Kind);
        Assert.Equal(HashSlot.GetSlot("planner:k"), route.Slot);
        Assert.False(route.MayBlock);
        Assert.False(route.PreferReplica);
    }

    [Fact]
    public void KeysOfOneSlotStayTogether()
    {
        CommandRoute route = Decide("MSET", "{planner}a", "1", "{planner}b", "2");
        Assert.Equal(RouteKind.SingleSlot, route.Kind);
        Assert.Equal(HashSlot.GetSlot("planner"), route.Slot);
    }

    [Fact]
    public void AReadOverSeveralSlotsIsSplitInTheOrderItsSlotsFirstAppear()
    {
        string[] keys = { "planner:a", "planner:b", "planner:a2", "planner:c", "planner:d" };
        CommandRoute route = Decide(new[] { "MGET" }.Concat(keys).ToArray());
        Assert.Equal(RouteKind.SplitBySlot, route.Kind);
        Assert.Equal(keys.Length, route.KeyCount);
        Assert.Equal(keys.Select(HashSlot.GetSlot).Distinct(), route.Splits!.Select(s => s.Slot));
        Assert.Equal(Enumerable.Range(0, keys.Length), route.Splits!.SelectMany(s => s.Ordinals).OrderBy(o => o));
        foreach (SlotSplit split in route.Splits!)
        {
            Assert.Equal("MGET", split.Command.Name);
            Assert.All(split.Ordinals, o => Assert.Equal(split.Slot, HashSlot.GetSlot(keys[o])));
        }

        Assert.True(SmartSplitReply.CanCompose(route));
        Assert.True(SmartSplitReply.CanCompose(Decide("EXISTS", "planner:a", "planner:b", "planner:c")));
    }

    [Fact]
    public void AWriteOverSeveralSlotsIsSplitButNotComposedFromBytes()
    {
        CommandRoute route = Decide("MSET", "planner:a", "1", "planner:b", "2", "planner:c", "3");
        Assert.Equal(RouteKind.SplitBySlot, route.Kind);
        Assert.All(route.Splits!, s => Assert.Equal(1 + 2 * s.Ordinals.Count, s.Command.Arguments.Count));
        Assert.False(SmartSplitReply.CanCompose(route));
        Assert.False(SmartSplitReply.CanCompose(Decide("DEL", "planner:a", "planner:b", "planner:c")));
    }

    [Fact]
    public void AnAtomicCommandOverSeveralSlotsIsLeftToTheServersRefusal()
    {
        CommandRoute route = Decide("MSETNX", "planner:a", "1", "planner:b", "2", "planner:c", "3");
        Assert.Equal(RouteKind.CrossSlot, route.Kind);
        Assert.Equal(HashSlot.GetSlot("planner:a"), route.Slot);
        Assert.Equal(new[] { 1, 3, 5 }, route.Keys);
    }

    [Fact]
    public void KeylessCommandsFanOutByTheirRequestPolicyOrGoToOneNode()
    {
        Assert.Equal(RouteKind.FanOut, Decide("DBSIZE").Kind);
        Assert.Equal(RouteKind.FanOut, Decide("FLUSHALL").Kind);
        Assert.Equal(RouteKind.Keyless, Decide("ECHO", "hi").Kind);
        Assert.Equal(RouteKind.Scan, Decide("SCAN", "0").Kind);

        CommandRoute unknown = Decide("NOSUCHCOMMAND", "x");
        Assert.Equal(RouteKind.Keyless, unknown.Kind);
        Assert.Null(unknown.Info);
    }

    [Fact]
    public void BlockingCommandsAndShardChannelsAreMarked()
    {
        CommandRoute blpop = Decide("BLPOP", "planner:q", "0");
        Assert.Equal(RouteKind.SingleSlot, blpop.Kind);
        Assert.True(blpop.MayBlock);

        CommandRoute spublish = Decide("SPUBLISH", "planner:channel", "hello");
        Assert.Equal(RouteKind.SingleSlot, spublish.Kind);
        Assert.Equal(HashSlot.GetSlot("planner:channel"), spublish.Slot);
    }

    [Fact]
    public void ReadsPreferReplicasOnlyWhenAsked()
    {
        Assert.True(Decide(_replicaReader, "GET", "planner:k").PreferReplica);
        Assert.False(Decide(_replicaReader, "SET", "planner:k", "v").PreferReplica);
        Assert.True(Decide(_replicaReader, "MGET", "planner:a", "planner:b", "planner:c").PreferReplica);
    }

    [Fact]
    public async Task KeysOnlyTheServerCanNameAreAskedOfIt()
    {
        // MIGRATE's KEYS form has an incomplete key spec: the metadata alone cannot say where it goes.
        var command = RedisCommand.Create("MIGRATE", "127.0.0.1", "1", "", "0", "1000", "KEYS", "{planner}x", "{planner}y");
        CommandInfo? info = _client.Commands.Find(command);
        Assert.False(_client.Planner.TryDecide(command, info, out _));
        CommandRoute route = await _client.Planner.DecideAsync(command, info, CancellationToken.None);
        Assert.Equal(RouteKind.SingleSlot, route.Kind);
        Assert.Equal(HashSlot.GetSlot("planner"), route.Slot);
    }

    [Fact]
    public async Task ABatchTakesTheRoutesItsSenderDecidedAndDecidesTheRest()
    {
        // The smart tunnel decides a command's route before it knows whether it relays the command itself; a command
        // it hands to the router keeps that decision. Shown with a decision the planner would not make: the slot of
        // another key.
        var decidedGet = RedisCommand.Create("GET", "planner:decided");
        var undecidedGet = RedisCommand.Create("GET", "planner:undecided");
        CommandInfo? info = _client.Commands.Find(decidedGet);
        Assert.True(_client.Planner.TryDecide(RedisCommand.Create("GET", "planner:elsewhere"), info, out CommandRoute elsewhere));
        Assert.NotEqual(HashSlot.GetSlot("planner:decided"), elsewhere.Slot);

        CommandPlan[] plans = await _client.Planner.PlanBatchAsync(
            new[] { new DecidedCommand(decidedGet, elsewhere), new DecidedCommand(undecidedGet) }, CancellationToken.None);

        Assert.Equal(elsewhere.Slot, plans[0].Parts.Single().Slot);
        Assert.Same(decidedGet, plans[0].Parts.Single().Command);
        Assert.Equal(HashSlot.GetSlot("planner:undecided"), plans[1].Parts.Single().Slot);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(40)]
    public void AWriteOfManyKeysIsSplitWithEachKeysValueBesideItAndTheKeysInTheirOrder(int count)
    {
        // Few keys are grouped by a scan, many through an index: both must keep each key with its value, in order.
        var args = new List<string> { "MSET" };
        for (int i = 0; i < count; i++)
        {
            args.Add("planner:many:" + i);
            args.Add("v" + i);
        }

        CommandRoute route = Decide(args.ToArray());
        Assert.Equal(RouteKind.SplitBySlot, route.Kind);
        Assert.Equal(Enumerable.Range(0, count), route.Splits!.SelectMany(s => s.Ordinals).OrderBy(o => o));
        foreach (SlotSplit split in route.Splits!)
        {
            Assert.Equal("MSET", split.Command.Name);
            Assert.Equal(1 + (2 * split.Ordinals.Count), split.Command.Arguments.Count);
            Assert.Equal(split.Ordinals.OrderBy(o => o), split.Ordinals);
            for (int k = 0; k < split.Ordinals.Count; k++)
            {
                int ordinal = split.Ordinals[k];
                Assert.Equal("planner:many:" + ordinal, split.Command.ArgumentText(1 + (2 * k)));
                Assert.Equal("v" + ordinal, split.Command.ArgumentText(2 + (2 * k)));
                Assert.Equal(split.Slot, HashSlot.GetSlot("planner:many:" + ordinal));
            }
        }
    }
}
