using System.Threading.Tasks;

namespace RedisCluster.Engine.Tunnel.Hosting
{
    /// <summary>
    /// One accepted client as a listener sees it, whatever the mode: the listener only starts, drains and
    /// aborts sessions, so byte relays (standalone, pinned) and the command-level smart session share it.
    /// </summary>
    internal interface ITunnelSession
    {
        /// <summary>The client's address, for messages.</summary>
        string Client { get; }

        /// <summary>
        /// True when the client has sent nothing for <paramref name="timeout"/> and is not waiting for a reply
        /// or subscribed: Redis's <c>timeout</c> closes such a client, and so does the tunnel's idle timeout.
        /// </summary>
        bool IsIdleFor(System.TimeSpan timeout);

        /// <summary>Stops taking commands; replies still due are delivered, then the connection closes.</summary>
        void BeginStop();

        /// <summary>Closes the client's connection (and any of its own upstream connections) at once.</summary>
        void Abort();

        Task RunAsync();
    }
}
