using System.Threading.Tasks;

namespace RedisCluster.Engine.Tunnel
{
    /// <summary>
    /// One accepted client as a listener sees it, whatever the mode: the listener only starts, drains and
    /// aborts sessions, so byte relays (standalone, pinned) and the command-level smart session share it.
    /// </summary>
    internal interface ITunnelSession
    {
        /// <summary>The client's address, for messages.</summary>
        string Client { get; }

        /// <summary>Stops taking commands; replies still due are delivered, then the connection closes.</summary>
        void BeginStop();

        /// <summary>Closes the client's connection (and any of its own upstream connections) at once.</summary>
        void Abort();

        Task RunAsync();
    }
}
