using System.Globalization;

namespace RedisCluster.Tests.Infrastructure;

/// <summary>
/// Cluster-enabled redis-server processes that are not in any cluster yet: the raw material of the
/// cluster administration tests. Stopped by pid on dispose.
/// </summary>
public sealed class EmptyClusterNodes : IDisposable
{
    private readonly List<RedisServer> _nodes = new();

    /// <param name="tls">TLS only: no plaintext port; the bus and replication go over TLS too.</param>
    /// <param name="aclUser">An ACL user with every permission, besides the default user.</param>
    /// <param name="defaultPassword">The default user's password (requirepass); null leaves it password-less.</param>
    public EmptyClusterNodes(int count, bool clusterEnabled = true, bool tls = false, (string User, string Password)? aclUser = null, string? defaultPassword = null)
    {
        var options = new RedisServerOptions
        {
            Name = "admin",
            Cluster = clusterEnabled,
            Port = tls ? null : 0,
            TlsPort = tls ? 0 : null,
            AclUsers = aclUser is { } user ? new[] { user } : Array.Empty<(string, string)>(),
            RequirePassForDefault = defaultPassword,
        };
        _nodes.AddRange(RedisClusterProcesses.StartNodes(options, count));
    }

    public IReadOnlyList<RedisServer> Nodes => _nodes;

    public static string EndpointOf(RedisServer node) => node.Host + ":" + node.ClientPort.ToString(CultureInfo.InvariantCulture);

    /// <summary>The endpoints as a PowerShell array literal: '127.0.0.1:1','127.0.0.1:2'.</summary>
    public string EndpointList(IEnumerable<RedisServer>? nodes = null) =>
        string.Join(",", (nodes ?? _nodes).Select(n => "'" + EndpointOf(n) + "'"));

    /// <summary>A field of CLUSTER INFO on a node.</summary>
    public static string ClusterInfo(RedisServer node, string field)
    {
        string info = (string)node.Execute("CLUSTER", "INFO")!;
        string line = info.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return line[(field.Length + 1)..];
    }

    /// <summary>CLUSTER NODES lines of a node.</summary>
    public static string[] ClusterNodes(RedisServer node) =>
        ((string)node.Execute("CLUSTER", "NODES")!).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>True while a node is still untouched: it knows only itself, owns no slot and has never had a config epoch.</summary>
    public static bool IsUntouched(RedisServer node) =>
        ClusterInfo(node, "cluster_known_nodes") == "1" && ClusterInfo(node, "cluster_slots_assigned") == "0"
        && ClusterInfo(node, "cluster_my_epoch") == "0" && ClusterNodes(node).Length == 1;

    public void Dispose()
    {
        foreach (RedisServer node in _nodes)
        {
            node.Dispose();
        }
    }
}
