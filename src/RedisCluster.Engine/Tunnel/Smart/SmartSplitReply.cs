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

        private const int StackKeys = 64;

        private readonly IReadOnlyList<SlotSplit> _parts;
        // Where each part's reply is in the batch's reply buffer (SmartBatch copies it there, as it does a relayed
        // command's reply): an array per part instead was a fifth of the bytes a cross-slot MGET of ten keys allocated.
        // Arrays from the shared pool cost it 0.5-2 us more than that garbage (rented on the part's connection's loop,
        // returned on the loop that composed the reply).
        private readonly (int Start, int Length)[] _replies;
        private readonly int _keys;
        private int _remaining;
        private int _failed;

        public SmartSplitReply(int index, IReadOnlyList<SlotSplit> parts, int keys)
        {
            Index = index;
            _parts = parts;
            _keys = keys;
            _replies = new (int, int)[parts.Count];
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

        /// <summary>
        /// Records that part <paramref name="part"/>'s reply is the <paramref name="length"/> bytes at <paramref name="start"/>
        /// of the buffer <see cref="TryCompose"/> will be given; true when it was the last one.
        /// </summary>
        public bool Add(int part, int start, int length)
        {
            _replies[part] = (start, length);
            return Interlocked.Decrement(ref _remaining) == 0;
        }

        /// <summary>Records that part <paramref name="part"/> has to run again; true when it was the last one.</summary>
        public bool Fail(int part)
        {
            Volatile.Write(ref _failed, 1);
            return Interlocked.Decrement(ref _remaining) == 0;
        }

        /// <summary>
        /// Writes the client's reply from the parts' replies in <paramref name="replies"/>; false when they do not fit
        /// together (then the router runs it). <paramref name="output"/> may be the buffer that holds
        /// <paramref name="replies"/>, so nothing is written before the parts are known to fit.
        /// </summary>
        public bool TryCompose(ReadOnlyMemory<byte> replies, IBufferWriter<byte> output)
        {
            ReadOnlySpan<byte> all = replies.Span;
            foreach (var (start, length) in _replies)
            {
                if (length <= 0)
                {
                    return false;
                }

                if (all[start] == (byte)'-' || all[start] == (byte)'!')
                {
                    // A part's error is the command's error, as from one server.
                    output.Write(all.Slice(start, length));
                    return true;
                }
            }

            // By key order (MGET's array) or added up (EXISTS and TOUCH count): the parts say which.
            return all[_replies[0].Start] == (byte)'*' ? TryComposeArray(replies, output) : TryComposeSum(all, output);
        }

        private bool TryComposeArray(ReadOnlyMemory<byte> replies, IBufferWriter<byte> output)
        {
            ReadOnlySpan<byte> all = replies.Span;
            // Where each key's element is, in key order: on the stack for the usual handful of keys.
            Span<(int Start, int Length)> elements = _keys <= StackKeys ? stackalloc (int, int)[_keys] : new (int, int)[_keys];
            RespFrameSkipper? skipper = null;
            for (int p = 0; p < _replies.Length; p++)
            {
                var (start, length) = _replies[p];
                ReadOnlySpan<byte> reply = all.Slice(start, length);
                IReadOnlyList<int> ordinals = _parts[p].Ordinals;
                if (reply[0] != (byte)'*' || !TryReadNumber(reply, out long count, out int at) || count != ordinals.Count)
                {
                    return false;
                }

                for (int e = 0; e < count; e++)
                {
                    int element = RespFlatFrame.Length(reply.Slice(at), AlreadyChecked);
                    if (element == 0)
                    {
                        // An element of another kind (a map from a module's command, say): the full walk.
                        var rest = new ReadOnlySequence<byte>(replies.Slice(start + at, length - at));
                        skipper ??= new RespFrameSkipper();
                        if (!skipper.TrySkip(rest, AlreadyChecked, out SequencePosition end))
                        {
                            return false;
                        }

                        element = (int)rest.Slice(0, end).Length;
                    }

                    elements[ordinals[e]] = (start + at, element);
                    at += element;
                }
            }

            // Copied from the span taken before the first write: should the output be the replies' own buffer and grow,
            // the span still holds them.
            RespWriter.WriteHeader(output, (byte)'*', _keys);
            foreach (var (start, length) in elements)
            {
                output.Write(all.Slice(start, length));
            }

            return true;
        }

        private bool TryComposeSum(ReadOnlySpan<byte> all, IBufferWriter<byte> output)
        {
            long total = 0;
            foreach (var (start, length) in _replies)
            {
                ReadOnlySpan<byte> reply = all.Slice(start, length);
                if (reply[0] != (byte)':' || !TryReadNumber(reply, out long count, out _))
                {
                    return false;
                }

                total += count;
            }

            RespWriter.WriteHeader(output, (byte)':', total);
            return true;
        }

        /// <summary>The number after the type marker of <paramref name="reply"/> and where its line ends.</summary>
        private static bool TryReadNumber(ReadOnlySpan<byte> reply, out long number, out int afterLine)
        {
            afterLine = 0;
            int cr = reply.IndexOf((byte)'\r');
            if (cr < 2 || cr + 1 >= reply.Length || !Utf8Parser.TryParse(reply.Slice(1, cr - 1), out number, out int used) || used != cr - 1)
            {
                number = 0;
                return false;
            }

            afterLine = cr + 2;
            return true;
        }
    }
}
