using System.Net;
using RedisCluster.Engine.Connections;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Routing;

/// <summary>Routing over TLS with ACL auth: nodes reached through the topology carry the seed's TLS and credentials.</summary>
[Collection(TlsClusterCollection.Name)]
public sealed class TlsClusterRoutingTests
{
    private readonly TlsClusterFixture _fixture;

    public TlsClusterRoutingTests(TlsClusterFixture fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public void MultiKeyCommandsReachEveryPrimaryOverTlsAsTheAclUser()
    {
        var connection = new ConnectionOptions { Credential = new NetworkCredential(TlsClusterFixture.AclUser, TlsClusterFixture.AclPassword) };
        var log = new CapturingLog();
        using var client = ClusterClients.Open(_fixture.Cluster, log, connection: connection);
        var keys = ClusterClients.KeysOnEveryPrimary("tls:" + Guid.NewGuid().ToString("N")[..8], client);
        var mset = new List<string> { "MSET" };
        keys.ForEach(k => mset.AddRange(new[] { k, "v:" + k }));
        Assert.Equal("OK", client.Run(mset.ToArray()).GetString());
        var values = client.Run(new[] { "MGET" }.Concat(keys).ToArray());
        Assert.Equal(keys.Select(k => "v:" + k), values.Items.Select(v => v.GetString()));
        Assert.All(client.GetPrimaryEndpoints(), ep => Assert.Equal(TlsClusterFixture.AclUser, client.OnNode(ep, "ACL", "WHOAMI").GetString()));
        Assert.All(client.GetPrimaryEndpoints(), ep => Assert.Contains(_fixture.Cluster.Nodes, n => n.TlsPort == ep.Port));
    }
}
