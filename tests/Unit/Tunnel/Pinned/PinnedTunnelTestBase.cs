using System.Globalization;
using System.Text.RegularExpressions;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Tunnel;
using RedisCluster.Tests.Infrastructure;
using Xunit;
using RedisCluster.Tests.Tunnel.Relay;

namespace RedisCluster.Tests.Tunnel.Pinned;

/// <summary>Pinned mode against a real TLS 3x1 cluster with ACL auth, used by plaintext cluster-aware clients.</summary>
public abstract class PinnedTunnelTestBase : IAsyncLifetime
{
    protected readonly RedisClusterProcesses _cluster;
    protected RedisTunnel? _tunnel;
    protected int _offset;

    protected PinnedTunnelTestBase(PinnedClusterFixture fixture)
    {
        _cluster = fixture.Cluster;
    }

    protected RedisTunnel Tunnel => _tunnel!;

    public async Task InitializeAsync()
    {
        _cluster.WaitHealthy(TimeSpan.FromSeconds(30));
        _offset = FreePorts.PickOffset(_cluster.Nodes.Select(n => n.ClientPort).ToArray());
        var options = new TunnelOptions(new RedisEndpoint("127.0.0.1", _cluster.SeedPort), StandaloneTunnelTests.TlsAcl())
        {
            Mode = TunnelMode.Pinned,
            PortOffset = _offset,
            TopologyRefreshInterval = TimeSpan.FromMilliseconds(300),
            DrainTimeout = TimeSpan.FromSeconds(2),
        };
        _tunnel = await RedisTunnel.StartAsync(options);
    }

    public async Task DisposeAsync()
    {
        if (_tunnel != null)
        {
            await _tunnel.StopAsync();
        }
    }

    protected int LocalPortOf(RedisServer node) => node.ClientPort + _offset;

    protected string Cli(int port, params string[] args)
        => RedisCliRunner.RunChecked(new[] { "-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture) }.Concat(args), RedisCliRunner.DefaultTimeout);

    /// <summary>A key per master, each in a slot that master owns (found from the cluster itself, not assumed).</summary>
    protected Dictionary<RedisServer, string> KeyPerMaster()
    {
        var owners = new Dictionary<RedisServer, string>();
        foreach (RedisServer master in _cluster.Masters())
        {
            string nodes = master.Cli("CLUSTER", "MYID");
            for (int i = 0; i < 10_000; i++)
            {
                string key = "tunnel:key:" + i;
                string owner = _cluster.Nodes[0].Cli("CLUSTER", "KEYSLOT", key);
                int slot = int.Parse(owner, CultureInfo.InvariantCulture);
                if (OwnerOf(slot) == master)
                {
                    owners[master] = key;
                    break;
                }
            }
        }

        return owners;
    }

    protected RedisServer OwnerOf(int slot)
    {
        foreach (string line in _cluster.Nodes[0].Cli("CLUSTER", "NODES").Split('\n'))
        {
            string[] f = line.Trim().Split(' ');
            if (f.Length < 9 || !f[2].Contains("master"))
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
                int lo = int.Parse(ends[0], CultureInfo.InvariantCulture), hi = int.Parse(ends[^1], CultureInfo.InvariantCulture);
                if (slot >= lo && slot <= hi)
                {
                    int port = int.Parse(f[1].Split('@')[0].Split(':')[^1], CultureInfo.InvariantCulture);
                    return _cluster.NodeForPort(port);
                }
            }
        }

        throw new InvalidOperationException("No owner for slot " + slot);
    }

    protected static async Task<T> WaitForAsync<T>(Func<T?> probe, string what)
        where T : class
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            T? value = probe();
            if (value != null)
            {
                return value;
            }

            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for " + what);
            await Task.Delay(100);
        }
    }
}
