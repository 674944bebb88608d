using System.Collections.Generic;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Tunnel.Smart
{
    /// <summary>
    /// What a RESP2 client must get where a RESP3 reply no longer says it. The smart tunnel's upstream
    /// connections speak RESP3, and the writer's generic downgrade (maps to flat arrays, null to <c>$-1</c>)
    /// is right for most replies but not for these, which Redis shapes differently per protocol:
    /// <list type="bullet">
    /// <item>RESP3 has one null (<c>_</c>); RESP2 has a null array (<c>*-1</c>) and a null bulk string
    /// (<c>$-1</c>), and clients tell them apart (a timed-out BLPOP is a nil list, not a nil string). Every
    /// null not listed here, nested ones included (MGET, HMGET, ZMSCORE, GEOHASH, BITFIELD, COMMAND INFO,
    /// XINFO...), is a null bulk string.</item>
    /// <item>XREAD and XREADGROUP answer a map of streams in RESP3 but a list of [stream, entries] pairs in
    /// RESP2, not the flat list a map becomes.</item>
    /// <item>Scores and hash values asked for with WITHSCORES / WITHVALUES (and ZPOPMIN/ZPOPMAX with a count)
    /// come as [member, score] pairs in RESP3 but as one flat list in RESP2.</item>
    /// </list>
    /// The shapes are put back from the command, and the table is kept here, in one place; every entry was
    /// checked against redis-server 7.0.15 with a raw RESP2 socket. Only what RESP3 changed is touched, so a
    /// reply that came over RESP2 (an old server) passes unchanged. Doubles remain the writer's shortest text
    /// (1.1 where Redis writes 1.1000000000000001): the same number, though not the same bytes. Relayed
    /// single-slot replies never come here: they arrive in the client's protocol as the server wrote them.
    /// </summary>
    internal static class Resp2ReplyShapes
    {
        /// <summary>
        /// The reply in the shape Redis gives a RESP2 client. <paramref name="transaction"/>
        /// is, for EXEC, the commands it ran, whose replies are its items.
        /// </summary>
        public static RespValue Restore(string name, int argumentCount, RespValue reply, IReadOnlyList<RedisCommand>? transaction)
            => Restore(name, argumentCount, reply, transaction, queued: false);

        private static RespValue Restore(string name, int argumentCount, RespValue reply, IReadOnlyList<RedisCommand>? transaction, bool queued)
        {
            if (reply.Type == RespType.Null)
            {
                return IsNullArray(name, argumentCount, queued) ? RespValue.NullArray : reply;
            }

            if (reply.IsNull || (reply.Type != RespType.Array && reply.Type != RespType.Map))
            {
                return reply;
            }

            switch (name)
            {
                case "EXEC":
                    return transaction != null && transaction.Count == reply.Items.Count ? RestoreTransaction(reply, transaction) : reply;
                case "GEOPOS":
                    // A member that is not in the set: a nil position, that is a nil list of two coordinates.
                    return RestoreItems(reply, item => item.Type == RespType.Null ? RespValue.NullArray : item);
                case "XPENDING":
                    // The summary form of an empty group: count 0, nil lowest and highest ids (bulk), and a
                    // nil list of consumers.
                    if (argumentCount == 3 && reply.Items.Count == 4 && reply.Items[3].Type == RespType.Null)
                    {
                        RespValue[] summary = Copy(reply.Items);
                        summary[3] = RespValue.NullArray;
                        return Rebuild(reply, summary);
                    }

                    return reply;
                case "XREAD":
                    return StreamsAsPairs(reply);
                case "XREADGROUP":
                    // Re-reading the pending entries (an id instead of >): an entry deleted since it was
                    // delivered comes back as its id with a nil list of fields.
                    return StreamsAsPairs(RestoreItems(reply, streamOrEntries => streamOrEntries.Type != RespType.Array ? streamOrEntries
                        : RestoreItems(streamOrEntries, entry => entry.Type == RespType.Array && entry.Items.Count == 2 && entry.Items[1].Type == RespType.Null
                            ? RespValue.Array(entry.Items[0], RespValue.NullArray)
                            : entry)));
                case "ZRANGE":
                case "ZRANGEBYSCORE":
                case "ZREVRANGE":
                case "ZREVRANGEBYSCORE":
                case "ZUNION":
                case "ZINTER":
                case "ZDIFF":
                case "ZRANDMEMBER":
                case "HRANDFIELD":
                case "ZPOPMIN":
                case "ZPOPMAX":
                    // Not ZMPOP/BZMPOP (pairs in both protocols) nor BZPOPMIN/BZPOPMAX (flat in both).
                    return FlattenPairs(reply);
                default:
                    return reply;
            }
        }

        /// <summary>A RESP3 map of stream names to entries as RESP2's list of [name, entries] pairs.</summary>
        private static RespValue StreamsAsPairs(RespValue reply)
        {
            if (reply.Type != RespType.Map)
            {
                return reply;
            }

            IReadOnlyList<RespValue> items = reply.Items;
            var pairs = new RespValue[items.Count / 2];
            for (int i = 0; i < pairs.Length; i++)
            {
                pairs[i] = RespValue.Array(items[2 * i], items[2 * i + 1]);
            }

            return Rebuild(reply, RespType.Array, pairs);
        }

        /// <summary>
        /// [[member, score], ...] as [member, score, ...]. Only when every item is such a pair: without
        /// WITHSCORES the items are plain members, and a RESP2 reply is flat already.
        /// </summary>
        private static RespValue FlattenPairs(RespValue reply)
        {
            IReadOnlyList<RespValue> items = reply.Items;
            if (reply.Type != RespType.Array || items.Count == 0)
            {
                return reply;
            }

            foreach (RespValue item in items)
            {
                if (item.Type != RespType.Array || item.Items.Count != 2)
                {
                    return reply;
                }
            }

            var flat = new RespValue[items.Count * 2];
            for (int i = 0; i < items.Count; i++)
            {
                flat[2 * i] = items[i].Items[0];
                flat[2 * i + 1] = items[i].Items[1];
            }

            return Rebuild(reply, RespType.Array, flat);
        }

        /// <summary>True when a nil reply of the command is a null array for a RESP2 client.</summary>
        private static bool IsNullArray(string name, int argumentCount, bool queued)
        {
            switch (name)
            {
                // Nothing to pop before the timeout. Inside MULTI they do not block and answer the same at once.
                case "BLPOP":
                case "BRPOP":
                case "BLMPOP":
                case "BZPOPMIN":
                case "BZPOPMAX":
                case "BZMPOP":
                // Nothing to read (at once, or before a BLOCK timeout, inside MULTI too).
                case "XREAD":
                case "XREADGROUP":
                // Nothing to pop.
                case "LMPOP":
                case "ZMPOP":
                // A WATCH that tripped. (EXEC is never queued.)
                case "EXEC":
                    return true;
                case "BRPOPLPUSH":
                case "BLMOVE":
                    // A timeout is a null array, like the other blocking pops; inside MULTI, where they do not
                    // block, Redis answers a null bulk string instead, like RPOPLPUSH and LMOVE.
                    return !queued;
                case "LPOP":
                case "RPOP":
                    // With a count (LPOP key count) the reply is a list, so a missing key is a nil list;
                    // without one it is a nil string.
                    return argumentCount > 2;
                default:
                    return false;
            }
        }

        private static RespValue RestoreTransaction(RespValue exec, IReadOnlyList<RedisCommand> transaction)
        {
            RespValue[]? items = null;
            for (int i = 0; i < transaction.Count; i++)
            {
                RedisCommand command = transaction[i];
                RespValue item = Restore(command.Name, command.Arguments.Count, exec.Items[i], null, queued: true);
                if (!ReferenceEquals(item, exec.Items[i]))
                {
                    items ??= Copy(exec.Items);
                    items[i] = item;
                }
            }

            return items == null ? exec : Rebuild(exec, items);
        }

        /// <summary>Applies <paramref name="restore"/> to every item (both keys and values of a map); copies only when one changes.</summary>
        private static RespValue RestoreItems(RespValue aggregate, System.Func<RespValue, RespValue> restore)
        {
            if (aggregate.IsNull)
            {
                return aggregate;
            }

            IReadOnlyList<RespValue> current = aggregate.Items;
            RespValue[]? items = null;
            for (int i = 0; i < current.Count; i++)
            {
                RespValue item = restore(current[i]);
                if (!ReferenceEquals(item, current[i]))
                {
                    items ??= Copy(current);
                    items[i] = item;
                }
            }

            return items == null ? aggregate : Rebuild(aggregate, items);
        }

        private static RespValue[] Copy(IReadOnlyList<RespValue> items)
        {
            var copy = new RespValue[items.Count];
            for (int i = 0; i < copy.Length; i++)
            {
                copy[i] = items[i];
            }

            return copy;
        }

        private static RespValue Rebuild(RespValue original, RespValue[] items) => Rebuild(original, original.Type, items);

        private static RespValue Rebuild(RespValue original, RespType type, RespValue[] items)
        {
            RespValue rebuilt = RespValue.Create(type, null, items: items);
            return original.Attributes == null ? rebuilt : rebuilt.WithAttributes(original.Attributes);
        }
    }
}
