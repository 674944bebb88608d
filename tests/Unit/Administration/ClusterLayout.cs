using System.Globalization;
using RedisCluster.Engine.Administration;
using RedisCluster.Engine.Cluster;
using RedisCluster.Tests.Hosting;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Administration;

/// <summary>Clusters with a chosen slot layout (uneven, all on one node, an empty primary) for the rebalance tests.</summary>
internal static class ClusterLayout
{
    /// <summary>
    /// Joins the nodes into one cluster where node i owns <paramref name="ranges"/>[i] (none: an empty primary),
    /// as redis-cli builds one (a distinct config epoch each, ADDSLOTSRANGE, MEET), and waits until it is healthy.
    /// </summary>
    public static void Build(PowerShellSession ps, EmptyClusterNodes nodes, params SlotRange[][] ranges)
    {
        for (int i = 0; i < nodes.Nodes.Count; i++)
        {
            RedisServer node = nodes.Nodes[i];
            node.Execute("CLUSTER", "SET-CONFIG-EPOCH", (i + 1).ToString(CultureInfo.InvariantCulture));
            foreach (SlotRange range in i < ranges.Length ? ranges[i] : Array.Empty<SlotRange>())
            {
                node.Execute("CLUSTER", "ADDSLOTSRANGE", range.Start.ToString(CultureInfo.InvariantCulture), range.End.ToString(CultureInfo.InvariantCulture));
            }
        }

        foreach (RedisServer node in nodes.Nodes.Skip(1))
        {
            nodes.Nodes[0].Execute("CLUSTER", "MEET", node.Host, node.ClientPort.ToString(CultureInfo.InvariantCulture));
        }

        WaitHealthy(ps, nodes);
    }

    public static void WaitHealthy(PowerShellSession ps, EmptyClusterNodes nodes)
    {
        var check = Assert.IsType<ClusterCheckResult>(Assert.Single(ps.RunClean($"Test-RedisCluster {nodes.EndpointList()} -Wait -Timeout 120")));
        Assert.True(check.IsHealthy, string.Join("; ", check.Problems));
    }

    /// <summary>Slot count per node id, as every node sees it (they must agree).</summary>
    public static Dictionary<string, int> SlotCounts(EmptyClusterNodes nodes) => SlotMap(nodes).ToDictionary(p => p.Key, p => p.Value.Sum(r => r.End - r.Start + 1));

    /// <summary>The slot ranges per node id; asserts (waiting for gossip) that every node shows the same map.</summary>
    public static Dictionary<string, SlotRange[]> SlotMap(EmptyClusterNodes nodes)
    {
        string Text(RedisServer node) => string.Join("\n", EmptyClusterNodes.ClusterNodes(node).Select(l => l.Split(' ')).Where(f => f[2].Contains("master"))
            .Select(f => f[0] + " " + string.Join(",", f.Skip(8))).Order());
        Assert.True(Poll.Until(() => nodes.Nodes.Select(Text).Distinct().Count() == 1, TimeSpan.FromSeconds(60)),
            "the nodes disagree on the slot map:\n" + string.Join("\n--\n", nodes.Nodes.Select(Text)));
        return EmptyClusterNodes.ClusterNodes(nodes.Nodes[0]).Select(l => l.Split(' ')).Where(f => f[2].Contains("master"))
            .ToDictionary(f => f[0], f => f.Skip(8).Select(ParseRange).ToArray());
    }

    /// <summary>The slot columns and migration markers of every running node's CLUSTER NODES: what a slot move would change.</summary>
    public static string SlotColumns(RedisClusterProcesses cluster) => SlotColumns(cluster.Nodes);

    /// <inheritdoc cref="SlotColumns(RedisClusterProcesses)"/>
    public static string SlotColumns(IEnumerable<RedisServer> nodes) => string.Join("\n", nodes.Where(n => n.IsRunning).SelectMany(n =>
        EmptyClusterNodes.ClusterNodes(n).Select(l => l.Split(' ')).Select(f => n.Port + " " + f[0] + " " + string.Join(" ", f.Skip(8)))).Order());

    private static SlotRange ParseRange(string text)
    {
        string[] parts = text.Split('-');
        return new SlotRange(int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[^1], CultureInfo.InvariantCulture));
    }
}
