using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Protocol;
using RedisCluster.Tests.Infrastructure;
using Xunit;
using RedisCluster.Tests.Tunnel.Relay;

namespace RedisCluster.Tests.Tunnel.Smart;

/// <summary>
/// The smart tunnel's own requests to the cluster (its topology) keep the -CommandTimeout, though application
/// commands have none: a hung node must not hold a refresh, and with it every client waiting for one, forever.
/// The test freezes and kills nodes, so the class has its cluster to itself.
/// </summary>
public sealed class SmartTunnelHungNodeTests : SmartTunnelTestBase, IClassFixture<SmartClusterFixture>
{
    public SmartTunnelHungNodeTests(SmartClusterFixture fixture)
        : base(fixture.Cluster)
    {
    }

    protected override ConnectionOptions Upstream()
    {
        ConnectionOptions options = StandaloneTunnelTests.TlsAcl();
        options.CommandTimeout = TimeSpan.FromSeconds(1);
        options.ConnectTimeout = TimeSpan.FromSeconds(2);
        return options;
    }

    [Fact]
    public void ATopologyRefreshGivesUpOnHungNodesAndTheClientHearsWhy()
    {
        using var client = RawRespClient.Connect(Port);
        client.SetReceiveTimeout(TimeSpan.FromMinutes(3));
        const string Key = "hung:k{h}";
        Assert.Equal("OK", client.Call("SET", Key, "v").GetString());
        IReadOnlyList<RedisServer> masters = _cluster.Masters();
        RedisServer owner = masters.Single(n => n.Cli("EXISTS", Key) == "1");
        RedisServer[] frozen = masters.Where(n => n != owner).ToArray();
        try
        {
            // Every node that could describe the cluster hangs (SIGSTOP keeps its sockets open), and the key's
            // node is gone: the command cannot be sent, so the tunnel refreshes the topology before it tries again.
            foreach (RedisServer node in frozen)
            {
                PosixProcess.Signal(node.Pid, PosixProcess.SIGSTOP);
            }

            owner.Kill();

            // The first GET may meet the broken relay connection ("may have run"); the next must go through the
            // refresh. Without a timeout on the topology requests, it would never answer.
            RespValue reply;
            int attempts = 0;
            do
            {
                reply = client.Call("GET", Key);
                Assert.True(reply.IsError, "GET answered " + reply);
            }
            while (!reply.GetString()!.Contains("did not recover", StringComparison.Ordinal) && ++attempts < 3);

            Assert.Contains("did not recover", reply.GetString(), StringComparison.Ordinal);
        }
        finally
        {
            foreach (RedisServer node in frozen)
            {
                PosixProcess.Signal(node.Pid, PosixProcess.SIGCONT);
            }
        }
    }
}
