using System;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Routing
{
    /// <summary>
    /// One command on the wire to one node: a whole user command, one slot's share of a split
    /// multi-key command, or one node's copy of a fanned-out command. Carries its redirect state.
    /// </summary>
    internal sealed class RoutedPart
    {
        public RoutedPart(RedisCommand command, int? slot, RedisEndpoint? fixedTarget = null, bool preferReplica = false)
        {
            Command = command;
            Slot = slot;
            FixedTarget = fixedTarget;
            PreferReplica = preferReplica;
        }

        public RedisCommand Command { get; }

        /// <summary>The slot that decides the target, or null for keyless commands.</summary>
        public int? Slot { get; }

        /// <summary>A node chosen up front (fan-out, SCAN, keyless commands).</summary>
        public RedisEndpoint? FixedTarget { get; set; }

        /// <summary>Serve from a replica (READONLY) when the command only reads.</summary>
        public bool PreferReplica { get; set; }

        /// <summary>Set by an ASK redirect: the next attempt goes there, preceded by ASKING.</summary>
        public RedisEndpoint? AskTarget { get; set; }

        public int Redirects { get; set; }

        /// <summary>
        /// Part of a MULTI ... EXEC block: redirects are not followed one command at a time, since a
        /// command re-sent outside the block would run outside the transaction.
        /// </summary>
        public bool InTransaction { get; set; }

        /// <summary>No node owned the slot when this round was planned.</summary>
        public bool Unroutable { get; set; }

        public RespValue? Reply { get; set; }

        public RedisEndpoint? ServedBy { get; set; }

        public TimeSpan Elapsed { get; set; }

        /// <summary>The connection failure of the last attempt, if it failed that way.</summary>
        public Exception? Failure { get; set; }
    }
}
