using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;

namespace RedisCluster.Engine.Tunnel.Smart
{
    /// <summary>The smart tunnel's application connections, as CLIENT LIST and CLIENT KILL see them: one server's clients.</summary>
    internal sealed class SmartClientRegistry
    {
        private readonly ConcurrentDictionary<long, SmartClientState> _clients = new ConcurrentDictionary<long, SmartClientState>();

        public void Add(SmartClientState client) => _clients[client.Id] = client;

        public void Remove(SmartClientState client) => _clients.TryRemove(client.Id, out _);

        /// <summary>Every client, oldest (lowest id) first, as Redis lists them.</summary>
        public IReadOnlyList<SmartClientState> All() => _clients.Values.OrderBy(c => c.Id).ToList();

        public SmartClientState? Find(long id) => _clients.TryGetValue(id, out SmartClientState? client) && !client.Quitting ? client : null;
    }
}
