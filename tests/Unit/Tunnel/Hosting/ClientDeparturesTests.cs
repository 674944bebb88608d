using RedisCluster.Engine.Tunnel;
using Xunit;
using RedisCluster.Engine.Tunnel.Hosting;

namespace RedisCluster.Tests.Tunnel.Hosting;

/// <summary>When the clients' departure is worth a collection: once per exodus of a crowd, never per client.</summary>
public sealed class ClientDeparturesTests
{
    [Fact]
    public void ACrowdThatLeavesAsksForOneReclaimPerQuarterItFallsTo()
    {
        int reclaims = 0;
        var departures = new ClientDepartures(() => reclaims++);
        for (int count = 1; count <= 2000; count++)
        {
            departures.Joined(count);
        }

        var askedAt = new List<int>();
        for (int count = 1999; count >= 0; count--)
        {
            int before = reclaims;
            departures.Left(count);
            if (reclaims != before)
            {
                askedAt.Add(count);
            }
        }

        // 2000 -> 500 -> 125, under the crowd size from there on.
        Assert.Equal(new[] { 500, 125 }, askedAt);
    }

    [Fact]
    public void FewClientsComingAndGoingNeverAskForAReclaim()
    {
        int reclaims = 0;
        var departures = new ClientDepartures(() => reclaims++);
        for (int round = 0; round < 1000; round++)
        {
            for (int count = 1; count < ClientDepartures.Crowd; count++)
            {
                departures.Joined(count);
            }

            for (int count = ClientDepartures.Crowd - 2; count >= 0; count--)
            {
                departures.Left(count);
            }
        }

        Assert.Equal(0, reclaims);
    }

    [Fact]
    public void ABusyTunnelWhoseClientsChangeButStayManyNeverAsksForAReclaim()
    {
        int reclaims = 0;
        var departures = new ClientDepartures(() => reclaims++);
        for (int count = 1; count <= 2000; count++)
        {
            departures.Joined(count);
        }

        for (int round = 0; round < 10000; round++)
        {
            departures.Left(1999);
            departures.Joined(2000);
        }

        Assert.Equal(0, reclaims);
    }
}
