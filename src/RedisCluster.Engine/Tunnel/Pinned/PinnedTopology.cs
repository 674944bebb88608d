using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Tunnel.Hosting;
using RedisCluster.Engine.Tunnel.Relay;

namespace RedisCluster.Engine.Tunnel.Pinned
{
    /// <summary>
    /// The listeners of a pinned tunnel, one per cluster node, and the address map the reply rewriting
    /// uses. Kept in step with the cluster: nodes that appear get a listener, nodes that leave lose theirs.
    /// </summary>
    internal sealed class PinnedTopology : ITunnelAddressMap
    {
        // How far past its preferred port a node added later may be placed when that port is taken.
        private const int PortSearch = 64;

        private readonly object _gate = new object();
        private readonly Dictionary<string, TunnelListener> _byAddress = new Dictionary<string, TunnelListener>(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, string> _aliases = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, string> _addressById = new Dictionary<string, string>(StringComparer.Ordinal);
        private readonly List<TunnelListener> _retired = new List<TunnelListener>();
        private readonly int _portOffset;
        private TunnelContext? _context;
        private bool _closed;

        public PinnedTopology(string announceHost, bool upstreamTls, int portOffset)
        {
            AnnounceHost = announceHost;
            UpstreamTls = upstreamTls;
            _portOffset = portOffset;
        }

        public string AnnounceHost { get; }

        public bool UpstreamTls { get; }

        /// <summary>Asks the owner to read the topology again soon (a node was seen that it does not know).</summary>
        public Action? RefreshRequested { get; set; }

        public void Attach(TunnelContext context) => _context = context;

        public List<TunnelListener> Listeners
        {
            get
            {
                lock (_gate)
                {
                    return new List<TunnelListener>(_byAddress.Values);
                }
            }
        }

        public bool TryMap(string host, int port, string? nodeId, out int localPort)
        {
            localPort = 0;
            lock (_gate)
            {
                if (nodeId != null && _addressById.TryGetValue(nodeId, out string? byId) && _byAddress.TryGetValue(byId, out TunnelListener? known))
                {
                    localPort = known.LocalPort;
                    return true;
                }

                string key = Key(host, port);
                if (_aliases.TryGetValue(key, out string? alias))
                {
                    key = alias;
                }

                if (_byAddress.TryGetValue(key, out known))
                {
                    localPort = known.LocalPort;
                    return true;
                }

                if (_closed || _context == null || host.Length == 0 || host == "?" || port <= 0)
                {
                    return false;
                }

                // A node the tunnel has not met (added to the cluster since the last look): give it a
                // listener now, so that the address the client is about to dial exists.
                TunnelListener? opened = OpenFlexible(new RedisEndpoint(host, port), nodeId, "node");
                if (opened == null)
                {
                    return false;
                }

                localPort = opened.LocalPort;
            }

            RefreshRequested?.Invoke();
            return true;
        }

        /// <summary>
        /// Brings the listeners in line with the nodes of CLUSTER NODES. At start (<paramref name="initial"/>)
        /// a node whose port is taken is an error; later it is placed on a nearby free port with a warning.
        /// </summary>
        public void Reconcile(IReadOnlyList<ClusterNodeEntry> nodes, bool initial)
        {
            TunnelContext context = _context ?? throw new InvalidOperationException("Not attached.");
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var opened = new List<TunnelListener>();
            lock (_gate)
            {
                if (_closed)
                {
                    return;
                }

                try
                {
                    foreach (ClusterNodeEntry node in nodes)
                    {
                        if (node.IsUnreachable)
                        {
                            continue;
                        }

                        string key = Key(node.Host, node.Port);
                        seen.Add(key);
                        if (!_byAddress.TryGetValue(key, out TunnelListener? listener))
                        {
                            listener = initial ? OpenStrict(node) : OpenFlexible(new RedisEndpoint(node.Host, node.Port), node.Id, node.Role);
                            if (listener == null)
                            {
                                continue;
                            }

                            opened.Add(listener);
                        }

                        if (listener.Role != node.Role && !initial && listener.NodeId != null)
                        {
                            context.Log.Verbose("Tunnel: node " + listener.Upstream + " is now a " + node.Role + ".");
                        }

                        listener.NodeId = node.Id;
                        listener.Role = node.Role;
                        _addressById[node.Id] = key;
                        if (node.Hostname != null)
                        {
                            _aliases[Key(node.Hostname, node.Port)] = key;
                        }
                    }
                }
                catch
                {
                    foreach (TunnelListener listener in opened)
                    {
                        Remove(listener);
                    }

                    throw;
                }

                foreach (KeyValuePair<string, TunnelListener> pair in new List<KeyValuePair<string, TunnelListener>>(_byAddress))
                {
                    if (!seen.Contains(pair.Key))
                    {
                        context.Log.Warning("Tunnel: node " + pair.Value.Upstream + " left the cluster; closing its listener " + pair.Value.LocalEndpoint + ".");
                        Remove(pair.Value);
                    }
                }
            }
        }

        /// <summary>Stops accepting on every listener; no new ones are opened afterwards.</summary>
        public List<TunnelListener> Close()
        {
            lock (_gate)
            {
                _closed = true;
                var all = new List<TunnelListener>(_byAddress.Values);
                all.AddRange(_retired);
                foreach (TunnelListener listener in all)
                {
                    listener.StopAccepting();
                }

                return all;
            }
        }

        private TunnelListener OpenStrict(ClusterNodeEntry node)
        {
            int preferred = node.Port + _portOffset;
            if (preferred < 1 || preferred > 65535)
            {
                throw new TunnelException("Node " + node.Host + ":" + node.Port.ToString(CultureInfo.InvariantCulture) + " would get local port "
                    + preferred.ToString(CultureInfo.InvariantCulture) + ", outside 1-65535; choose another -PortOffset.");
            }

            // Nodes on different hosts may share a port: the later ones take the next free local ports.
            int port = preferred;
            while (IsOurs(port))
            {
                port++;
            }

            TunnelListener listener = TunnelListener.Open(_context!, port, new RedisEndpoint(node.Host, node.Port),
                "free it or shift every node's local port with -PortOffset");
            listener.NodeId = node.Id;
            listener.Role = node.Role;
            Add(listener);
            return listener;
        }

        private TunnelListener? OpenFlexible(RedisEndpoint upstream, string? nodeId, string role)
        {
            TunnelContext context = _context!;
            int preferred = upstream.Port + _portOffset;
            for (int port = preferred; port < preferred + PortSearch && port <= 65535; port++)
            {
                if (port < 1 || IsOurs(port))
                {
                    continue;
                }

                try
                {
                    TunnelListener listener = TunnelListener.Open(context, port, upstream, "trying the next port");
                    listener.NodeId = nodeId;
                    listener.Role = role;
                    Add(listener);
                    if (port != preferred)
                    {
                        context.Log.Warning("Tunnel: local port " + preferred.ToString(CultureInfo.InvariantCulture) + " for node " + upstream
                            + " is taken; it listens on " + listener.LocalEndpoint + " instead.");
                    }
                    else
                    {
                        context.Log.Verbose("Tunnel: node " + upstream + " joined; listening on " + listener.LocalEndpoint + ".");
                    }

                    return listener;
                }
                catch (TunnelException ex) when (ex.PortInUse)
                {
                }
                catch (TunnelException ex)
                {
                    context.Statistics.Error();
                    context.Log.Warning(ex.Message);
                    return null;
                }
            }

            context.Statistics.Error();
            context.Log.Warning("Tunnel: no free local port near " + preferred.ToString(CultureInfo.InvariantCulture) + " for node " + upstream + "; it is not reachable through the tunnel.");
            return null;
        }

        private bool IsOurs(int port)
        {
            foreach (TunnelListener listener in _byAddress.Values)
            {
                if (listener.LocalPort == port)
                {
                    return true;
                }
            }

            return false;
        }

        private void Add(TunnelListener listener)
        {
            string key = Key(listener.Upstream.Host, listener.Upstream.Port);
            _byAddress[key] = listener;
            if (listener.NodeId != null)
            {
                _addressById[listener.NodeId] = key;
            }
        }

        private void Remove(TunnelListener listener)
        {
            listener.StopAccepting();
            string key = Key(listener.Upstream.Host, listener.Upstream.Port);
            _byAddress.Remove(key);

            // Its clients keep their connections; stopping the tunnel must still find them.
            _retired.RemoveAll(l => l.ClientCount == 0);
            _retired.Add(listener);
            foreach (KeyValuePair<string, string> pair in new List<KeyValuePair<string, string>>(_addressById))
            {
                if (string.Equals(pair.Value, key, StringComparison.OrdinalIgnoreCase))
                {
                    _addressById.Remove(pair.Key);
                }
            }
        }

        private static string Key(string host, int port)
        {
            string bare = host.TrimStart('[').TrimEnd(']');
            return (IPAddress.TryParse(bare, out IPAddress? ip) ? ip.ToString() : bare) + "|" + port.ToString(CultureInfo.InvariantCulture);
        }
    }
}
