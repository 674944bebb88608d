using System;

namespace RedisCluster.Engine.Tunnel.Hosting
{
    /// <summary>
    /// Asks for the memory of departed clients back when many have gone at once. Each client leaves buffers,
    /// sockets and pipes behind (about 10 KB even when idle); five thousand that leave make a few dozen
    /// megabytes of garbage, and a tunnel that then goes quiet allocates too little to ever collect it. A
    /// reclaim when the clients have fallen to a quarter of their recent most, and the crowd was large enough
    /// to matter, costs one collection per such exodus, never one per client.
    /// </summary>
    internal sealed class ClientDepartures
    {
        /// <summary>Clients at once below which leaving is not worth a collection.</summary>
        public const int Crowd = 256;

        private readonly Action _reclaim;
        private readonly object _gate = new object();
        private int _most;

        public ClientDepartures(Action reclaim)
        {
            _reclaim = reclaim;
        }

        /// <summary>A client was admitted; <paramref name="count"/> clients are connected now.</summary>
        public void Joined(int count)
        {
            lock (_gate)
            {
                _most = Math.Max(_most, count);
            }
        }

        /// <summary>A client left; <paramref name="count"/> clients are still connected.</summary>
        public void Left(int count)
        {
            lock (_gate)
            {
                if (_most < Crowd || count > _most / 4)
                {
                    return;
                }

                // The next exodus is measured from here.
                _most = count;
            }

            _reclaim();
        }
    }
}
