using System.Globalization;
using RedisCluster.Tests.Infrastructure;

namespace RedisCluster.Bench;

/// <summary>
/// The keys the smart-tunnel benchmark reads, written before any run so that GET and MGET return values, not
/// nils, on both sides alike. redis-benchmark --cluster puts, in place of "{tag}" in a key, a hash tag of the first
/// slot of the primary the client is bound to; those tags are looked up once, so the keys can be written exactly:
/// key:{T}:NNNNNNNNNNNN for each primary's tag T (the direct runs) and key:NNNNNNNNNNNN (the tunnel runs, which send
/// keys without a tag), NNNNNNNNNNNN being 0 .. keyspace-1 in 12 digits, as redis-benchmark expands __rand_int__.
/// </summary>
public sealed class BenchKeyspace
{
    private const string MarkerPrefix = "bench:tag:";
    private const int KeysPerMset = 1000;

    private BenchKeyspace(IReadOnlyList<string> tags) => Tags = tags;

    /// <summary>
    /// What redis-benchmark --cluster writes in place of "{tag}", one per primary: always 5 characters with the
    /// braces, because a 1- or 2-character tag is padded with '}' ("{8M}}"), which still hashes as "8M".
    /// </summary>
    public IReadOnlyList<string> Tags { get; }

    public static BenchKeyspace Prepare(RedisClusterProcesses cluster, ClusterTransport transport, ModuleHost host, int keyspace, int valueSize)
    {
        var result = new BenchKeyspace(DiscoverTags(cluster, transport));
        result.Populate(cluster, transport, host, keyspace, valueSize);
        return result;
    }

    /// <summary>
    /// One client per primary (redis-benchmark binds client i to primary i when there are as many clients as
    /// primaries) writes a marker key; each primary then holds the key with its tag, which is read back and removed.
    /// </summary>
    private static List<string> DiscoverTags(RedisClusterProcesses cluster, ClusterTransport transport)
    {
        var masters = cluster.Masters();
        var args = new List<string> { "-h", cluster.Host, "-p", cluster.SeedPort.ToString(CultureInfo.InvariantCulture) };
        args.AddRange(transport.DirectArgs);
        args.AddRange(new[] { "--cluster", "-c", masters.Count.ToString(CultureInfo.InvariantCulture), "-n", "3000", "-q", "SET", MarkerPrefix + "{tag}", "1" });
        ExternalTool.Run("redis-benchmark", args);

        var tags = new List<string>();
        foreach (RedisServer master in masters)
        {
            var keys = (master.Execute("KEYS", MarkerPrefix + "*") as object?[] ?? Array.Empty<object?>()).OfType<string>().ToList();
            if (keys.Count != 1)
            {
                throw new InvalidOperationException($"expected one {MarkerPrefix}* key on {master}, found {keys.Count}: cannot tell which hash tag redis-benchmark --cluster uses there");
            }

            tags.Add(keys[0][MarkerPrefix.Length..]);
            master.Execute("DEL", keys[0]);
        }

        return tags;
    }

    /// <summary>Writes every key with the module's own cluster connection (MSET per 1,000 keys, split by slot where needed) and checks DBSIZE.</summary>
    private void Populate(RedisClusterProcesses cluster, ClusterTransport transport, ModuleHost host, int keyspace, int valueSize)
    {
        string value = new('v', valueSize);
        var commands = new List<string[]>();
        foreach (string prefix in Tags.Select(t => "key:" + t + ":").Append("key:"))
        {
            for (int start = 0; start < keyspace; start += KeysPerMset)
            {
                int count = Math.Min(KeysPerMset, keyspace - start);
                var command = new string[1 + (2 * count)];
                command[0] = "MSET";
                for (int i = 0; i < count; i++)
                {
                    command[1 + (2 * i)] = prefix + (start + i).ToString("D12", CultureInfo.InvariantCulture);
                    command[2 + (2 * i)] = value;
                }

                commands.Add(command);
            }
        }

        var variables = new Dictionary<string, object?>(transport.Variables) { ["benchCommands"] = commands };
        var output = host.Invoke(
            $"$c = Connect-Redis -Endpoint {cluster.Host}:{cluster.SeedPort} -Cluster -NoDefault {transport.ModuleParameters}\n"
            + "try { $benchCommands | Invoke-RedisCommand -Connection $c | Out-Null; Invoke-RedisCommand -Connection $c DBSIZE }\n"
            + "finally { Disconnect-Redis -Connection $c; $benchCommands = $null }",
            variables);
        long expected = (long)keyspace * (Tags.Count + 1);
        long actual = Convert.ToInt64(output.Single(), CultureInfo.InvariantCulture);
        if (actual != expected)
        {
            throw new InvalidOperationException($"populated {actual} keys, expected {expected}");
        }
    }
}
