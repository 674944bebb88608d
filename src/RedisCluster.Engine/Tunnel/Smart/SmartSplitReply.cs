using System;
using System.Buffers;
using System.Buffers.Text;
using System.Collections.Generic;
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
        // Each part's bytes. Arrays from the shared pool instead (rented on the part's connection's loop, returned on the
        // loop that composed the reply) cost a cross-slot MGET of ten keys 0.5-2 us more than the garbage they saved.
        private readonly ArraySegment<byte>[] _replies;
        private readonly int _keys;
        private int _remaining;
        private int _failed;

        public SmartSplitReply(int index, IReadOnlyList<SlotSplit> parts, int keys)
        {
            Index = index;
            _parts = parts;
            _keys = keys;
            _replies = new ArraySegment<byte>[parts.Count];
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
            _replies[part] = new ArraySegment<byte>(reply.ToArray());
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
            foreach (ArraySegment<byte> reply in _replies)
            {
                if (reply.Array == null || reply.Count == 0)
                {
                    return false;
                }

                if (reply.Array[0] == (byte)'-' || reply.Array[0] == (byte)'!')
                {
                    // A part's error is the command's error, as from one server.
                    output.Write(reply.AsSpan());
                    return true;
                }
            }

            // By key order (MGET's array) or added up (EXISTS and TOUCH count): the parts say which.
            return _replies[0].Array![0] == (byte)'*' ? TryComposeArray(output) : TryComposeSum(output);
        }

        private bool TryComposeArray(IBufferWriter<byte> output)
        {
            var elements = new (int Part, int Start, int Length)[_keys];
            RespFrameSkipper? skipper = null;
            for (int p = 0; p < _replies.Length; p++)
            {
                ArraySegment<byte> reply = _replies[p];
                if (reply.Array![0] != (byte)'*' || !TryReadNumber(reply, out long count, out int at) || count != _parts[p].Ordinals.Count)
                {
                    return false;
                }

                IReadOnlyList<int> ordinals = _parts[p].Ordinals;
                for (int e = 0; e < count; e++)
                {
                    int length = RespFlatFrame.Length(new ReadOnlySpan<byte>(reply.Array, at, reply.Count - at), AlreadyChecked);
                    if (length == 0)
                    {
                        // An element of another kind (a map from a module's command, say): the full walk.
                        var rest = new ReadOnlySequence<byte>(reply.Array, at, reply.Count - at);
                        skipper ??= new RespFrameSkipper();
                        if (!skipper.TrySkip(rest, AlreadyChecked, out SequencePosition end))
                        {
                            return false;
                        }

                        length = (int)rest.Slice(0, end).Length;
                    }

                    elements[ordinals[e]] = (p, at, length);
                    at += length;
                }
            }

            WriteHeader(output, (byte)'*', _keys);
            foreach (var (part, start, length) in elements)
            {
                output.Write(new ReadOnlySpan<byte>(_replies[part].Array, start, length));
            }

            return true;
        }

        private bool TryComposeSum(IBufferWriter<byte> output)
        {
            long total = 0;
            foreach (ArraySegment<byte> reply in _replies)
            {
                if (reply.Array![0] != (byte)':' || !TryReadNumber(reply, out long count, out _))
                {
                    return false;
                }

                total += count;
            }

            WriteHeader(output, (byte)':', total);
            return true;
        }

        /// <summary>A type marker, a number and the line's end: an array's header, or an integer reply.</summary>
        private static void WriteHeader(IBufferWriter<byte> output, byte type, long number)
        {
            Span<byte> line = output.GetSpan(24);
            line[0] = type;
            Utf8Formatter.TryFormat(number, line.Slice(1), out int digits);
            line[1 + digits] = (byte)'\r';
            line[2 + digits] = (byte)'\n';
            output.Advance(3 + digits);
        }

        /// <summary>The number after the type marker of <paramref name="reply"/> and where its line ends.</summary>
        private static bool TryReadNumber(ArraySegment<byte> reply, out long number, out int afterLine)
        {
            afterLine = 0;
            byte[] bytes = reply.Array!;
            int cr = Array.IndexOf(bytes, (byte)'\r', 0, reply.Count);
            if (cr < 2 || cr + 1 >= reply.Count || !Utf8Parser.TryParse(new ReadOnlySpan<byte>(bytes, 1, cr - 1), out number, out int used) || used != cr - 1)
            {
                number = 0;
                return false;
            }

            afterLine = cr + 2;
            return true;
        }
    }
}
