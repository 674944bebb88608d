using System.Diagnostics;
using System.Globalization;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Tunnel;
using RedisCluster.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace RedisCluster.Tests.Tunnel.Smart;

/// <summary>Smart mode while the cluster changes under a client that keeps looping: a live resharding, a killed primary.</summary>
public sealed class SmartResilienceTests : SmartTunnelTestBase, IClassFixture<SmartResilienceFixture>
{
    private readonly ITestOutputHelper _output;

    public SmartResilienceTests(SmartResilienceFixture fixture, ITestOutputHelper output)
        : base(fixture.Cluster)
    {
        _output = output;
    }

    // Tests here kill and move nodes: the next one may start while the cluster still heals.
    protected override TimeSpan HealthyWithin => TimeSpan.FromSeconds(60);

    // SmartResilienceFixture runs a plaintext cluster without ACL users.
    protected override ConnectionOptions Upstream() => new ConnectionOptions();

    /// <summary>The running primary that owns <paramref name="slot"/>, from a live node's CLUSTER NODES.</summary>
    private RedisServer OwnerOf(int slot)
    {
        RedisServer any = _cluster.Masters().First();
        foreach (string line in any.Cli("CLUSTER", "NODES").Split('\n'))
        {
            string[] f = line.Trim().Split(' ');
            if (f.Length < 9 || !f[2].Contains("master", StringComparison.Ordinal) || f[2].Contains("fail", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (string range in f.Skip(8))
            {
                if (range.StartsWith('['))
                {
                    continue;
                }

                string[] ends = range.Split('-');
                int lo = int.Parse(ends[0], CultureInfo.InvariantCulture);
                int hi = int.Parse(ends[^1], CultureInfo.InvariantCulture);
                if (slot >= lo && slot <= hi)
                {
                    int port = int.Parse(f[1].Split('@')[0].Split(':')[1], CultureInfo.InvariantCulture);
                    return _cluster.NodeForPort(port);
                }
            }
        }

        throw new InvalidOperationException("no owner for slot " + slot);
    }

    /// <summary>
    /// SET then GET of keys in one slot through the tunnel until stopped. The test waits on its round count,
    /// never on time: a loaded machine makes the rounds slower, not the checks wrong.
    /// </summary>
    private sealed class VerifyingLoop
    {
        private readonly List<(int Round, string Error)> _errors = new();
        private int _rounds;

        public int Rounds => Volatile.Read(ref _rounds);

        public IReadOnlyList<(int Round, string Error)> Errors
        {
            get
            {
                lock (_errors)
                {
                    return _errors.ToList();
                }
            }
        }

        public async Task RunAsync(int port, string tag, CancellationToken stop)
        {
            using RawRespClient client = await RawRespClient.ConnectAsync(port);
            while (!stop.IsCancellationRequested)
            {
                int round = Rounds;
                string key = "{" + tag + "}k" + (round % 50).ToString(CultureInfo.InvariantCulture);
                string value = round.ToString(CultureInfo.InvariantCulture);
                await client.SendAsync(RawRespClient.Encode("SET", key, value).Concat(RawRespClient.Encode("GET", key)).ToArray());
                var set = await client.ReadAsync();
                var get = await client.ReadAsync();
                if (set.IsError || get.IsError || get.GetString() != value)
                {
                    lock (_errors)
                    {
                        _errors.Add((round, (set.IsError ? set.GetString() : get.GetString()) ?? "null"));
                    }
                }

                Interlocked.Increment(ref _rounds);
            }
        }

        /// <summary>Waits until <paramref name="more"/> rounds past <paramref name="from"/> have run.</summary>
        public void WaitForRounds(int from, int more)
            => Assert.True(Poll.Until(() => Rounds >= from + more, TimeSpan.FromSeconds(120)), "the client looped only " + (Rounds - from) + " times");
    }

    /// <summary>Moves a slot and its keys from <paramref name="source"/> to <paramref name="target"/>, the way redis-cli --cluster reshard does.</summary>
    private async Task MoveSlotAsync(int slot, RedisServer source, RedisServer target)
    {
        string sourceId = source.Cli("CLUSTER", "MYID");
        string targetId = target.Cli("CLUSTER", "MYID");
        string slotText = slot.ToString(CultureInfo.InvariantCulture);
        target.Cli("CLUSTER", "SETSLOT", slotText, "IMPORTING", sourceId);
        source.Cli("CLUSTER", "SETSLOT", slotText, "MIGRATING", targetId);
        while (true)
        {
            string[] keys = source.Cli("CLUSTER", "GETKEYSINSLOT", slotText, "20").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (keys.Length == 0)
            {
                break;
            }

            source.Cli(new[] { "MIGRATE", "127.0.0.1", target.ClientPort.ToString(CultureInfo.InvariantCulture), "", "0", "5000", "KEYS" }.Concat(keys).ToArray());
            await Task.Delay(50);
        }

        target.Cli("CLUSTER", "SETSLOT", slotText, "NODE", targetId);
        source.Cli("CLUSTER", "SETSLOT", slotText, "NODE", targetId);
        foreach (RedisServer master in _cluster.Masters().Where(m => m != source && m != target))
        {
            master.Cli("CLUSTER", "SETSLOT", slotText, "NODE", targetId);
        }
    }

    [Fact]
    public async Task ALiveReshardingOfASlotLosesNoCommand()
    {
        const string tag = "smart:reshard";
        int slot = HashSlot.GetSlot(tag);
        RedisServer source = OwnerOf(slot);
        RedisServer target = _cluster.Masters().First(m => m != source);
        string slotText = slot.ToString(CultureInfo.InvariantCulture);

        using var stop = new CancellationTokenSource();
        var loop = new VerifyingLoop();
        Task running = Task.Run(() => loop.RunAsync(Port, tag, stop.Token));
        loop.WaitForRounds(0, 20);

        await MoveSlotAsync(slot, source, target);
        loop.WaitForRounds(loop.Rounds, 50);
        stop.Cancel();
        await running;
        _output.WriteLine("resharding: " + loop.Rounds + " rounds, " + loop.Errors.Count + " errors");
        Assert.Empty(loop.Errors);
        Assert.Equal("0", source.Cli("CLUSTER", "COUNTKEYSINSLOT", slotText));
        Assert.Equal(OwnerOf(slot), target);
    }

    [Fact]
    public async Task AWatchedSlotThatMovesFailsTheTransactionInsteadOfRunningItUnguarded()
    {
        const string key = "{smart:watch-move}k";
        int slot = HashSlot.GetSlot(key);
        RedisServer first = OwnerOf(slot);
        RedisServer second = _cluster.Masters().First(m => m != first);
        using var client = RawRespClient.Connect(Port);
        Assert.Equal("OK", client.Call("SET", key, "v1").GetString());

        // Moved between WATCH and a read of the watched key: the read is still answered, by the new owner.
        Assert.Equal("OK", client.Call("WATCH", key).GetString());
        await MoveSlotAsync(slot, first, second);
        Assert.Equal("v1", client.Call("GET", key).GetString());
        Assert.Equal("OK", client.Call("MULTI").GetString());
        Assert.Equal("QUEUED", client.Call("SET", key, "v2").GetString());
        Assert.True(client.Call("EXEC").IsNull);
        Assert.Equal("v1", second.Cli("GET", key));

        // Moved with nothing between WATCH and EXEC: the block reaches the old owner, which refuses it.
        Assert.Equal("OK", client.Call("WATCH", key).GetString());
        await MoveSlotAsync(slot, second, first);
        Assert.Equal("OK", client.Call("MULTI").GetString());
        Assert.Equal("QUEUED", client.Call("SET", key, "v3").GetString());
        RespValue exec = client.Call("EXEC");
        Assert.Equal(RespType.Array, exec.Type);
        Assert.True(exec.IsNull);
        Assert.Equal("v1", first.Cli("GET", key));

        // The retry of an optimistic-locking loop reaches the new owner and runs there.
        Assert.Equal("OK", client.Call("WATCH", key).GetString());
        Assert.Equal("OK", client.Call("MULTI").GetString());
        Assert.Equal("QUEUED", client.Call("SET", key, "v4").GetString());
        Assert.Equal("OK", Assert.Single(client.Call("EXEC").Items).GetString());
        Assert.Equal("v4", first.Cli("GET", key));
    }

    [Fact]
    public async Task AKilledPrimaryCostsErrorsOnlyDuringTheFailover()
    {
        const string tag = "smart:failover";
        RedisServer victim = OwnerOf(HashSlot.GetSlot(tag));
        using var stop = new CancellationTokenSource();
        var loop = new VerifyingLoop();
        Task running = Task.Run(() => loop.RunAsync(Port, tag, stop.Token));
        loop.WaitForRounds(0, 20);
        var clock = Stopwatch.StartNew();
        victim.Kill();
        _cluster.WaitHealthy(TimeSpan.FromSeconds(60));
        TimeSpan failover = clock.Elapsed;
        int healthyAt = loop.Rounds;

        // Rounds after the failover, then stop.
        loop.WaitForRounds(healthyAt, 50);
        stop.Cancel();
        await running;
        var errors = loop.Errors;
        _output.WriteLine("failover: " + failover + " until healthy, " + loop.Rounds + " rounds, " + errors.Count + " errors"
            + (errors.Count > 0 ? " in rounds " + errors[0].Round + "-" + errors[^1].Round + ", first: " + errors[0].Error : string.Empty));

        // The cluster client retries through the failover, so errors, if any, are confined to it: once a round
        // succeeded after the cluster was healthy again, none fails.
        int recovered = Enumerable.Range(healthyAt, loop.Rounds - healthyAt).First(r => errors.All(e => e.Round != r));
        Assert.DoesNotContain(errors, e => e.Round > recovered);

        using var client = RawRespClient.Connect(Port);
        Assert.Equal("OK", client.Call("SET", "{" + tag + "}after", "1").GetString());
    }
}
