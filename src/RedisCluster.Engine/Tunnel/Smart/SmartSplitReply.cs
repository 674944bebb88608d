using System;
using System.Buffers;
using System.Buffers.Text;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Threading;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Routing;

namespace RedisCluster.Engine.Tunnel.Smart
{
    /// <summary>
    /// The reply of a relayed MGET, EXISTS or TOUCH whose keys span slots, put together from its parts'
    /// replies as bytes: MGET's elements in the order of the client's keys, EXISTS and TOUCH's counts added
    /// up. A part that met a redirect or a broken connection fails the whole command, which then runs again
    /// through the router (these commands only read, so running them again changes nothing).
    /// </summary>
    internal sealed class SmartSplitReply
    {
        // The parts' replies were checked against the connection's limits as they arrived; here they are only cut up.
        private static readonly RespLimits AlreadyChecked = new RespLimits
        {
            MaxBulkLength = long.MaxValue,
            MaxAggregateLength = long.MaxValue,
            MaxDepth = int.MaxValue,
            MaxLineLength = int.MaxValue,
            MaxFrameLength = long.MaxValue,
        };

        private readonly IReadOnlyList<SlotSplit> _parts;
        private readonly byte[]?[] _replies;
        private readonly int _keys;
        private int _remaining;
        private int _failed;

        public SmartSplitReply(int index, IReadOnlyList<SlotSplit> parts, int keys)
        {
            Index = index;
            _parts = parts;
            _keys = keys;
            _replies = new byte[parts.Count][];
            _remaining = parts.Count;
        }

        /// <summary>
        /// True for the split routes whose reply this composes from bytes: commands that only read (so a part, or the
        /// whole command, may run again) and whose replies line up by key order (MGET) or add up (EXISTS, TOUCH).
        /// </summary>
        public static bool CanCompose(CommandRoute route)
            => route.Kind == RouteKind.SplitBySlot && route.IsReadOnly
                && (route.Policy == Cluster.ResponsePolicy.Default || route.Policy == Cluster.ResponsePolicy.AggSum);

        /// <summary>The client's command's position in its batch.</summary>
        public int Index { get; }

        public bool Failed => Volatile.Read(ref _failed) != 0;

        /// <summary>Records part <paramref name="part"/>'s reply; true when it was the last one.</summary>
        public bool Add(int part, ReadOnlySequence<byte> reply)
        {
            _replies[part] = reply.ToArray();
            return Interlocked.Decrement(ref _remaining) == 0;
        }

        /// <summary>Records that part <paramref name="part"/> has to run again; true when it was the last one.</summary>
        public bool Fail(int part)
        {
            Volatile.Write(ref _failed, 1);
            return Interlocked.Decrement(ref _remaining) == 0;
        }

        /// <summary>Writes the client's reply; false when the parts' replies do not fit together (then the router runs it).</summary>
        public bool TryCompose(IBufferWriter<byte> output)
        {
            foreach (byte[]? reply in _replies)
            {
                if (reply == null || reply.Length == 0)
                {
                    return false;
                }

                if (reply[0] == (byte)'-' || reply[0] == (byte)'!')
                {
                    // A part's error is the command's error, as from one server.
                    output.Write(reply);
                    return true;
                }
            }

            // By key order (MGET's array) or added up (EXISTS and TOUCH count): the parts say which.
            return _replies[0]![0] == (byte)'*' ? TryComposeArray(output) : TryComposeSum(output);
        }

        private bool TryComposeArray(IBufferWriter<byte> output)
        {
            var elements = new (int Part, int Start, int Length)[_keys];
            for (int p = 0; p < _replies.Length; p++)
            {
                byte[] reply = _replies[p]!;
                if (reply[0] != (byte)'*' || !TryReadNumber(reply, out long count, out int at) || count != _parts[p].Ordinals.Count)
                {
                    return false;
                }

                var rest = new ReadOnlySequence<byte>(reply, at, reply.Length - at);
                var skipper = new RespFrameSkipper();
                for (int e = 0; e < count; e++)
                {
                    if (!skipper.TrySkip(rest, AlreadyChecked, out SequencePosition end))
                    {
                        return false;
                    }

                    int length = (int)rest.Slice(0, end).Length;
                    elements[_parts[p].Ordinals[e]] = (p, at, length);
                    at += length;
                    rest = rest.Slice(end);
                }
            }

            output.Write(Encoding.ASCII.GetBytes("*" + _keys.ToString(CultureInfo.InvariantCulture) + "\r\n"));
            foreach (var (part, start, length) in elements)
            {
                output.Write(new ReadOnlySpan<byte>(_replies[part], start, length));
            }

            return true;
        }

        private bool TryComposeSum(IBufferWriter<byte> output)
        {
            long total = 0;
            foreach (byte[]? reply in _replies)
            {
                if (reply![0] != (byte)':' || !TryReadNumber(reply, out long count, out _))
                {
                    return false;
                }

                total += count;
            }

            output.Write(Encoding.ASCII.GetBytes(":" + total.ToString(CultureInfo.InvariantCulture) + "\r\n"));
            return true;
        }

        /// <summary>The number after the type marker of <paramref name="reply"/> and where its line ends.</summary>
        private static bool TryReadNumber(byte[] reply, out long number, out int afterLine)
        {
            afterLine = 0;
            int cr = Array.IndexOf(reply, (byte)'\r');
            if (cr < 2 || cr + 1 >= reply.Length || !Utf8Parser.TryParse(new ReadOnlySpan<byte>(reply, 1, cr - 1), out number, out int used) || used != cr - 1)
            {
                number = 0;
                return false;
            }

            afterLine = cr + 2;
            return true;
        }
    }
}
