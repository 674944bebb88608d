using RedisCluster.Engine;
using RedisCluster.Engine.Client;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Routing;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Routing;

/// <summary>Opens engine clients on the test clusters and runs commands tersely.</summary>
public static class ClusterClients
{
    public static ClusterRedisClient Open(RedisClusterProcesses cluster, CapturingLog log, bool readFromReplica = false, ConnectionOptions? connection = null)
    {
        connection ??= new ConnectionOptions();
        if (cluster.IsTls)
        {
            connection.UseTls = true;
            connection.CaCertificatePath ??= TestCertificates.Shared.CaCertPath;
        }

        var options = new RedisClientOptions(connection) { Log = log, ReadFromReplica = readFromReplica };
        var client = RedisClientFactory.ConnectAsync(new[] { new RedisEndpoint("127.0.0.1", cluster.SeedPort) }, options).GetAwaiter().GetResult();
        return Assert.IsType<ClusterRedisClient>(client);
    }

    public static RespValue Run(this RedisClient client, params string[] args)
        => client.ExecuteAsync(RedisCommand.Create(args)).GetAwaiter().GetResult().Value;

    public static RedisReply RunDetailed(this RedisClient client, params string[] args)
        => client.ExecuteAsync(RedisCommand.Create(args)).GetAwaiter().GetResult();

    public static IReadOnlyList<RedisReply> RunBatch(this RedisClient client, IEnumerable<string[]> commands)
        => client.ExecuteBatchAsync(commands.Select(RedisCommand.Create).ToList()).GetAwaiter().GetResult();

    /// <summary>Asks one node directly, bypassing routing.</summary>
    public static RespValue OnNode(this RedisClient client, RedisEndpoint node, params string[] args)
        => client.ExecuteOnNodeAsync(node, new[] { RedisCommand.Create(args) }).GetAwaiter().GetResult()[0].Value;

    /// <summary>The address of the primary that owns a key's slot.</summary>
    public static RedisEndpoint OwnerOf(this ClusterRedisClient client, string key)
        => client.Topology.GetPrimaryForSlot(RedisCluster.Engine.Cluster.HashSlot.GetSlot(key))!.Endpoint!;

    /// <summary>Keys whose slots fall on every primary, in a pattern that stays readable in failures.</summary>
    public static List<string> KeysOnEveryPrimary(string prefix, ClusterRedisClient client, int perPrimary = 3)
    {
        var byOwner = new Dictionary<RedisEndpoint, List<string>>();
        for (int i = 0; byOwner.Count < client.Topology.Primaries.Count(p => p.Slots.Count > 0) || byOwner.Values.Any(l => l.Count < perPrimary); i++)
        {
            if (i > 1_000_000)
            {
                throw new InvalidOperationException("Could not find keys on every primary of " + client.Topology + ": "
                    + string.Join(", ", byOwner.Select(p => p.Key + "=" + p.Value.Count)));
            }

            string key = prefix + ":" + i;
            var owner = client.Topology.GetPrimaryForSlot(RedisCluster.Engine.Cluster.HashSlot.GetSlot(key))!.Endpoint!;
            if (!byOwner.TryGetValue(owner, out var list))
            {
                byOwner[owner] = list = new List<string>();
            }

            if (list.Count < perPrimary)
            {
                list.Add(key);
            }
        }

        // Interleave so that consecutive keys go to different nodes: order preservation is then meaningful.
        var result = new List<string>();
        for (int i = 0; i < perPrimary; i++)
        {
            result.AddRange(byOwner.Values.Select(l => l[i]));
        }

        return result;
    }
}
