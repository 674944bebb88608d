using System.Collections.Generic;
using RedisCluster.Engine.Cluster;

namespace RedisCluster.Engine.Routing
{
    /// <summary>
    /// The one route decision for a command, made by <see cref="CommandPlanner.DecideAsync(Commands.RedisCommand, CommandInfo?, System.Threading.CancellationToken)"/>
    /// and used both by <see cref="ClusterRedisClient"/> (which turns it into a <see cref="CommandPlan"/>) and by the smart
    /// tunnel (which relays single-slot and byte-composable split commands itself). A struct, so deciding the route of a
    /// relayed command allocates nothing.
    /// </summary>
    internal readonly struct CommandRoute
    {
        private CommandRoute(RouteKind kind, CommandInfo? info, int slot, bool preferReplica, bool mayBlock,
            IReadOnlyList<SlotSplit>? splits, int keyCount, IReadOnlyList<int>? keys)
        {
            Kind = kind;
            Info = info;
            Slot = slot;
            PreferReplica = preferReplica;
            MayBlock = mayBlock;
            Splits = splits;
            KeyCount = keyCount;
            Keys = keys;
        }

        public RouteKind Kind { get; }

        /// <summary>The command's entry in the server's command table; null for a command the server does not know.</summary>
        public CommandInfo? Info { get; }

        /// <summary>The slot of a <see cref="RouteKind.SingleSlot"/> or <see cref="RouteKind.CrossSlot"/> route (its first key's); -1 otherwise.</summary>
        public int Slot { get; }

        /// <summary>A read that the client asked to be served by a replica (-ReadFromReplica).</summary>
        public bool PreferReplica { get; }

        /// <summary>The command blocks (BLPOP, XREAD BLOCK, WAIT...), so it must not share a connection with other clients' commands.</summary>
        public bool MayBlock { get; }

        /// <summary>The per-slot commands of a <see cref="RouteKind.SplitBySlot"/> route, in the order their slots first appear.</summary>
        public IReadOnlyList<SlotSplit>? Splits { get; }

        /// <summary>How many keys the split command has (the length of MGET's combined reply).</summary>
        public int KeyCount { get; }

        /// <summary>The key positions of a <see cref="RouteKind.CrossSlot"/> route, for explaining the server's refusal.</summary>
        public IReadOnlyList<int>? Keys { get; }

        /// <summary>How the parts' replies combine (from the command's response_policy tip).</summary>
        public ResponsePolicy Policy => Info?.ResponsePolicy ?? ResponsePolicy.Default;

        public bool IsReadOnly => Info?.IsReadOnly == true;

        public static CommandRoute SingleSlot(CommandInfo info, int slot, bool preferReplica, bool mayBlock)
            => new CommandRoute(RouteKind.SingleSlot, info, slot, preferReplica, mayBlock, null, 0, null);

        public static CommandRoute Split(CommandInfo info, IReadOnlyList<SlotSplit> splits, int keyCount, bool preferReplica, bool mayBlock)
            => new CommandRoute(RouteKind.SplitBySlot, info, -1, preferReplica, mayBlock, splits, keyCount, null);

        public static CommandRoute CrossSlot(CommandInfo info, int firstSlot, IReadOnlyList<int> keys, bool preferReplica, bool mayBlock)
            => new CommandRoute(RouteKind.CrossSlot, info, firstSlot, preferReplica, mayBlock, null, 0, keys);

        public static CommandRoute FanOut(CommandInfo info) => new CommandRoute(RouteKind.FanOut, info, -1, false, false, null, 0, null);

        public static CommandRoute Scan(CommandInfo info) => new CommandRoute(RouteKind.Scan, info, -1, false, false, null, 0, null);

        public static CommandRoute Keyless(CommandInfo? info, bool mayBlock) => new CommandRoute(RouteKind.Keyless, info, -1, false, mayBlock, null, 0, null);
    }
}
