using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Tunnel.Smart
{
    /// <summary>
    /// The commands the smart tunnel does not pass on, and why. The upstream connections are shared by
    /// every application, so what would change or block one of them for everybody is refused, on its own
    /// and just the same between MULTI and EXEC, where a queued command runs on a shared connection too.
    /// </summary>
    internal static class SmartRefusals
    {
        private const string ClusterRefused = "ERR this endpoint presents the cluster as one server; CLUSTER commands are not available through the smart tunnel";

        /// <summary>What Redis answers for a command flagged no-multi (SYNC, PSYNC) inside a transaction.</summary>
        private const string NotInTransaction = "ERR Command not allowed inside a transaction";

        /// <summary>The refusal of a command the tunnel never passes on; null when it may run.</summary>
        public static RespValue? Refused(string name, byte[][] args)
        {
            switch (name)
            {
                case "CLUSTER":
                    return RespValue.Error(ClusterRefused);
                case "WAIT":
                case "WAITAOF":
                    // They would block a shared connection, and with it every other client's replies on it,
                    // while counting acknowledgements of writes that were not this client's alone.
                    return RespValue.Error("ERR " + name + " is not supported through the smart tunnel");
                case "MONITOR":
                case "SYNC":
                case "PSYNC":
                case "REPLCONF":
                    return RespValue.Error("ERR " + name + " is not supported through the smart tunnel yet; use a Pinned tunnel for it");
                case "CLIENT":
                    string sub = args.Length > 1 ? CommandNames.Of(args[1]) : string.Empty;
                    switch (sub)
                    {
                        case "NO-TOUCH":
                            // Per-connection modes of a server connection that is shared with other clients.
                            return RespValue.Error("ERR CLIENT " + sub + " is not supported through the smart tunnel: it would change server connections shared with other clients");
                        case "PAUSE":
                        case "UNPAUSE":
                            return RespValue.Error("ERR CLIENT " + sub + " is not supported through the smart tunnel: it would pause the primaries for every application");
                    }

                    return null;
                default:
                    return null;
            }
        }

        /// <summary>
        /// The refusal of a command between MULTI and EXEC (<paramref name="info"/>: its command table entry):
        /// what Redis refuses there, what the tunnel refuses anyway, and what the tunnel answers for the
        /// application outside a transaction but would run inside one on the shared connection, changing it
        /// for everybody (its protocol, user, name, or a subscription). Null: it may be queued.
        /// </summary>
        public static RespValue? RefusedInTransaction(string name, byte[][] args, CommandInfo? info)
        {
            if (info != null && info.HasFlag("no_multi"))
            {
                return RespValue.Error(NotInTransaction);
            }

            RespValue? refused = Refused(name, args);
            if (refused != null)
            {
                return refused;
            }

            switch (name)
            {
                case "FLUSHALL":
                case "FLUSHDB":
                    // Outside a transaction it runs on every primary; the block runs on one, which would empty a part
                    // of the data set and answer OK as if it had emptied all of it.
                    return RespValue.Error("ERR " + name + " inside MULTI is not supported through the smart tunnel: it must run on every primary, and a transaction runs on one");
                case "SUBSCRIBE":
                case "PSUBSCRIBE":
                case "SSUBSCRIBE":
                case "AUTH":
                case "HELLO":
                case "READONLY":
                case "READWRITE":
                    return SharedInTransaction(name);
                case "CLIENT":
                    // CLIENT REPLY is the tunnel's own switch outside a transaction; queued, it would silence the shared connection.
                    string sub = args.Length > 1 ? CommandNames.Of(args[1]) : string.Empty;
                    // Tracking is the tunnel's too: queued, it would turn tracking on for the shared connection.
                    return sub == "SETNAME" || sub == "SETINFO" || sub == "REPLY" || sub == "TRACKING" || sub == "CACHING" || sub == "GETREDIR" || sub == "TRACKINGINFO"
                        ? SharedInTransaction("CLIENT " + sub) : null;
                default:
                    return null;
            }
        }

        private static RespValue SharedInTransaction(string name)
            => RespValue.Error("ERR " + name + " inside MULTI is not supported through the smart tunnel: the block runs on a connection shared with other clients");
    }
}
