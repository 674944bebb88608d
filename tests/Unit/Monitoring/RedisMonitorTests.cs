using System.Net;
using RedisCluster.Engine.Client;
using RedisCluster.Engine.Client.Monitoring;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Routing;
using RedisCluster.Tests.Infrastructure;
using RedisCluster.Tests.PubSub;
using RedisCluster.Tests.Routing;
using Xunit;

namespace RedisCluster.Tests.Monitoring;

/// <summary>RedisMonitor against the shared 3x1 cluster: one MONITOR connection per node, each line with the node that ran the command.</summary>
[Collection(ClusterCollection.Name)]
public sealed class RedisMonitorTests
{
    private readonly RedisClusterProcesses _cluster;

    public RedisMonitorTests(ClusterFixture fixture) => _cluster = fixture.Cluster;

    [Theory]
    [InlineData(RedisProtocol.Resp2)]
    [InlineData(RedisProtocol.Resp3)]
    public async Task EveryPrimarysCommandsArriveTaggedWithTheNodeThatRanThem(RedisProtocol protocol)
    {
        using ClusterRedisClient client = ClusterClients.Open(_cluster, new CapturingLog(), connection: new ConnectionOptions { Protocol = protocol });
        IReadOnlyList<RedisEndpoint> primaries = client.GetPrimaryEndpoints();
        List<string> keys = ClusterClients.KeysOnEveryPrimary("mon:" + Guid.NewGuid().ToString("N")[..8], client, 1);

        var lines = new List<MonitorLine>();
        using (RedisMonitor monitor = await RedisMonitor.StartAsync(client, primaries).WaitAsync(Subscribers.Deadline))
        {
            Assert.Equal(primaries.Count, monitor.Streaming);

            // Started means confirmed by every node: what runs from now on is seen, with no wait for the stream to settle.
            foreach (string key in keys)
            {
                client.Run("SET", key, "v");
            }

            DateTime until = DateTime.UtcNow + Subscribers.Deadline;
            while (!keys.All(k => lines.Any(l => l.Text.Contains("\"" + k + "\""))) && DateTime.UtcNow < until)
            {
                if (monitor.TryReceive(TimeSpan.FromMilliseconds(200), CancellationToken.None, out MonitorLine? line))
                {
                    lines.Add(line!);
                }
            }

            Assert.Equal(0, monitor.Dropped);
        }

        foreach (string key in keys)
        {
            MonitorLine set = Assert.Single(lines, l => l.Text.Contains("\"SET\" \"" + key + "\" \"v\""));
            Assert.Equal(client.OwnerOf(key), set.Node);
            Assert.Matches(@"^\d+\.\d+ \[0 [^\]]+\] ""SET""", set.Text);
        }

        // Disposing closes the connections, which ends MONITOR on every node.
        Assert.True(Poll.Until(() => primaries.All(p => !client.OnNode(p, "CLIENT", "LIST").GetString()!.Contains("flags=O")), Subscribers.Deadline),
            "a MONITOR client is still connected after Dispose");
    }

    [Fact]
    public async Task ARefusedMonitorThrowsTheServersErrorAndLeavesNoConnection()
    {
        using ClusterRedisClient admin = ClusterClients.Open(_cluster, new CapturingLog());
        string user = "mon-" + Guid.NewGuid().ToString("N")[..8];
        const string password = "Mon-S3cret-Pw";
        IReadOnlyList<RedisEndpoint> primaries = admin.GetPrimaryEndpoints();
        foreach (RedisEndpoint node in admin.Topology.Nodes.Select(n => n.Endpoint!))
        {
            Assert.Equal("OK", admin.OnNode(node, "ACL", "SETUSER", user, "on", ">" + password, "~*", "&*", "+@all", "-monitor").GetString());
        }

        try
        {
            using ClusterRedisClient client = ClusterClients.Open(_cluster, new CapturingLog(),
                connection: new ConnectionOptions { Credential = new NetworkCredential(user, password) });
            var refused = await Assert.ThrowsAsync<RedisServerErrorException>(() => RedisMonitor.StartAsync(client, primaries).WaitAsync(Subscribers.Deadline));
            Assert.Equal("NOPERM", refused.Prefix);

            // Every connection it opened is closed again (CLIENT LIST names a refused command as the connection's last).
            Assert.True(Poll.Until(() => primaries.All(p => !admin.OnNode(p, "CLIENT", "LIST").GetString()!.Contains("cmd=monitor")), Subscribers.Deadline),
                "a connection of the refused MONITOR is still open");
        }
        finally
        {
            foreach (RedisEndpoint node in admin.Topology.Nodes.Select(n => n.Endpoint!))
            {
                admin.OnNode(node, "ACL", "DELUSER", user);
            }
        }
    }
}
