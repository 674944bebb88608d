using System.Globalization;
using System.Text.RegularExpressions;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Tunnel;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Tunnel.Pinned;

/// <summary>A node joining and leaving under a pinned tunnel, on a cluster of its own.</summary>
public sealed class PinnedTunnelMembershipTests : PinnedTunnelTestBase, IClassFixture<PinnedClusterFixture>
{
    public PinnedTunnelMembershipTests(PinnedClusterFixture fixture)
        : base(fixture)
    {
    }

    [Fact]
    public async Task ANodeThatJoinsGetsAListenerAndLosesItWhenItLeaves()
    {
        using RedisServer joiner = RedisServer.Start(new RedisServerOptions
        {
            Name = "tunnel-joiner",
            Cluster = true,
            Port = null,

            // The tunnel opens the joiner's listener on its port + the offset: that port must be free as well.
            TlsPort = FreePorts.PickShiftable(_offset),
            AclUsers = new[] { (StandaloneFixture.AclUser, StandaloneFixture.AclPassword) },
        });
        RedisServer seed = _cluster.Masters().First();
        string joinerId = joiner.Cli("CLUSTER", "MYID");
        try
        {
            seed.Cli("CLUSTER", "MEET", "127.0.0.1", joiner.ClientPort.ToString(CultureInfo.InvariantCulture));
            TunnelListenerInfo added = await WaitForAsync(() => Tunnel.Listeners.FirstOrDefault(l => l.Upstream.Port == joiner.ClientPort), "a listener for the new node");
            Assert.Equal(joiner.ClientPort + _offset, added.LocalPort);
            Assert.Equal(joinerId, added.NodeId);
            Assert.Equal("PONG", Cli(added.LocalPort, "PING"));
        }
        finally
        {
            joiner.Stop();
            foreach (RedisServer node in _cluster.Nodes.Where(n => n.IsRunning))
            {
                node.Cli("CLUSTER", "FORGET", joinerId);
            }
        }

        await WaitForAsync(() => Tunnel.Listeners.All(l => l.Upstream.Port != joiner.ClientPort) ? "gone" : null, "the listener of the node that left to close");
        Assert.Equal(6, Tunnel.Listeners.Count);
    }
}
