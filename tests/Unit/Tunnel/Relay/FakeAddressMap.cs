using RedisCluster.Engine.Tunnel;
using RedisCluster.Engine.Tunnel.Relay;

namespace RedisCluster.Tests.Tunnel.Relay;

/// <summary>A fixed map from upstream node addresses (and ids) to local ports, for the rewriting tests.</summary>
internal sealed class FakeAddressMap : ITunnelAddressMap
{
    private readonly Dictionary<(string Host, int Port), int> _byAddress = new();
    private readonly Dictionary<string, int> _byId = new();

    public string AnnounceHost { get; init; } = "127.0.0.1";

    public bool UpstreamTls { get; init; } = true;

    public List<string> Unknown { get; } = new();

    public FakeAddressMap Add(string host, int port, int local, string? id = null)
    {
        _byAddress[(host, port)] = local;
        if (id != null)
        {
            _byId[id] = local;
        }

        return this;
    }

    public bool TryMap(string host, int port, string? nodeId, out int localPort)
    {
        if (nodeId != null && _byId.TryGetValue(nodeId, out localPort))
        {
            return true;
        }

        if (_byAddress.TryGetValue((host, port), out localPort))
        {
            return true;
        }

        Unknown.Add(host + ":" + port);
        return false;
    }
}
