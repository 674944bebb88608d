using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Text;
using System.Threading;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Tunnel.Pinned;

namespace RedisCluster.Engine.Tunnel.Relay
{
    /// <summary>
    /// Follows the reply stream from a server to a client, one read at a time, and copies it on. Values
    /// stream through as they arrive (memory stays bounded whatever their size); the structure is tracked
    /// so that replies can be counted and paired with the commands that asked for them. With an address
    /// map (pinned mode) it rewrites MOVED/ASK errors wherever they appear and the replies to CLUSTER
    /// SLOTS/SHARDS/NODES/REPLICAS; every other byte passes unchanged.
    /// </summary>
    internal sealed class ReplyStreamRewriter : IRelayFilter
    {
        private const int MaxRedirectLine = 512;

        private readonly ITunnelAddressMap? _map;
        private readonly string _connectedHost;
        private readonly RespLimits _limits;
        private readonly RespLimits _wholeFrameLimits;
        private readonly ConcurrentQueue<(long Ordinal, ClientCommandKind Kind)> _notable = new ConcurrentQueue<(long, ClientCommandKind)>();

        // Not a ConcurrentQueue: peeking at one keeps every dequeued entry referenced (see PendingReplyQueue),
        // and these entries hold byte arrays. The count lets the relay loop skip the lock while none is queued.
        private readonly Queue<(long Ordinal, byte[] Reply)> _local = new Queue<(long, byte[])>();
        private int _localCount;
        private Level[] _stack = new Level[8];
        private int _depth;
        private bool _inFrame;
        private bool _framePush;
        private long _payloadLeft;
        private int _crlfLeft;
        private long _completed;
        private int _desynced;

        /// <param name="map">Null: relay and count only (standalone mode).</param>
        /// <param name="connectedHost">Host of the node this connection reaches (for redirects with an empty host).</param>
        public ReplyStreamRewriter(ITunnelAddressMap? map, string connectedHost, RespLimits limits, int maxWholeFrame)
        {
            _map = map;
            _connectedHost = connectedHost;
            _limits = limits;
            _wholeFrameLimits = new RespLimits
            {
                MaxFrameLength = maxWholeFrame,
                MaxBulkLength = maxWholeFrame,
                MaxLineLength = limits.MaxLineLength,
                MaxAggregateLength = limits.MaxAggregateLength,
                MaxDepth = limits.MaxDepth,
            };
        }

        /// <summary>Replies (not pushes) relayed completely. Safe to read from another thread.</summary>
        public long RepliesCompleted => Volatile.Read(ref _completed);

        /// <summary>True once replies no longer pair with commands (subscriptions, MONITOR, CLIENT REPLY).</summary>
        public bool Desynced => Volatile.Read(ref _desynced) != 0;

        /// <summary>Frames rewritten so far (redirects and topology replies).</summary>
        public long Rewrites { get; private set; }

        /// <summary>Called by the command side, before the command is sent, for a command whose reply matters.</summary>
        public void Expect(long ordinal, ClientCommandKind kind)
        {
            if (kind == ClientCommandKind.Desync || ((_map != null || kind == ClientCommandKind.DiscardedExec) && !Desynced))
            {
                _notable.Enqueue((ordinal, kind));
            }
        }

        /// <summary>
        /// Called by the command side for a command the tunnel answers itself (refused, or AUTH to the
        /// tunnel): the reply goes out after the replies of every command before it, before any after it.
        /// The reply side must then be woken (a cancelled read) in case the server has nothing more to send.
        /// </summary>
        public void AnswerLocally(long ordinal, byte[] reply)
        {
            lock (_local)
            {
                _local.Enqueue((ordinal, reply));
                Volatile.Write(ref _localCount, _local.Count);
            }
        }

        /// <summary>
        /// Relays what it can of <paramref name="input"/> and returns the position up to which input was used;
        /// the rest (an incomplete line, header or topology reply) must be offered again with more bytes.
        /// Throws <see cref="RespProtocolException"/> when the server's stream is not RESP.
        /// </summary>
        public SequencePosition Process(ReadOnlySequence<byte> input, IBufferWriter<byte> output, out long written)
        {
            written = 0;
            long passStart = 0;
            long safe = 0;
            var reader = new RespBufferReader(input);
            try
            {
                while (true)
                {
                    if (_payloadLeft > 0)
                    {
                        long before = reader.Consumed;
                        reader.TryAdvance(_payloadLeft);
                        _payloadLeft -= reader.Consumed - before;
                        safe = reader.Consumed;
                        if (_payloadLeft > 0)
                        {
                            break;
                        }
                    }

                    if (_crlfLeft > 0)
                    {
                        if (!RelayBytes.ReadCrLf(ref reader, ref safe, ref _crlfLeft, "bulk payload"))
                        {
                            break;
                        }

                        ElementDone();
                        continue;
                    }

                    if (!_inFrame && Volatile.Read(ref _localCount) != 0)
                    {
                        written += RelayBytes.Copy(input, passStart, safe - passStart, output);
                        passStart = safe;
                        written += WriteDueLocalReplies(output);
                    }

                    long elementStart = reader.Consumed;
                    RespBufferReader probe = reader;
                    if (!probe.TryRead(out byte marker))
                    {
                        break;
                    }

                    if (!_inFrame)
                    {
                        _framePush = marker == (byte)'>';
                        ClientCommandKind kind = _framePush ? ClientCommandKind.Other : PeekKind();
                        if (kind != ClientCommandKind.Other)
                        {
                            ReadOnlySequence<byte> rest = input.Slice(elementStart);
                            if (!TryReadWhole(rest, out RespValue reply, out SequencePosition end))
                            {
                                break;
                            }

                            _notable.TryDequeue(out _);
                            RespValue? rewritten = kind == ClientCommandKind.DiscardedExec
                                ? ExecAbortFor(reply)
                                : TopologyRewriter.RewriteReply(kind, reply, _connectedHost, _map!);
                            if (rewritten != null)
                            {
                                long frameLength = rest.Slice(0, end).Length;
                                written += RelayBytes.Copy(input, passStart, elementStart - passStart, output);
                                var buffer = new GrowableBuffer(checked((int)Math.Min(int.MaxValue / 2, frameLength + 256)));
                                RespWriter.WriteValue(buffer, rewritten, TopologyRewriter.UsesResp3(reply) ? 3 : 2);
                                output.Write(buffer.WrittenSpan);
                                written += buffer.WrittenCount;
                                reader.TryAdvance(frameLength);
                                passStart = safe = reader.Consumed;
                                Rewrites++;
                                Interlocked.Increment(ref _completed);
                                continue;
                            }

                            // Nothing to change: stream it like any other reply.
                        }

                        _inFrame = true;
                    }

                    switch (marker)
                    {
                        case (byte)'-':
                        {
                            int length = probe.MeasureLine(_limits.MaxLineLength, 0);
                            if (length == -2)
                            {
                                throw new RespProtocolException("error line longer than " + _limits.MaxLineLength + " bytes", elementStart);
                            }

                            if (length < 0)
                            {
                                goto done;
                            }

                            string? redirect = length <= MaxRedirectLine && _map != null ? ReadRedirect(ref probe, length) : null;
                            if (redirect != null)
                            {
                                written += RelayBytes.Copy(input, passStart, elementStart - passStart, output);
                                byte[] line = Encoding.UTF8.GetBytes("-" + redirect + "\r\n");
                                output.Write(line);
                                written += line.Length;
                                Rewrites++;
                                reader = probe;
                                passStart = safe = reader.Consumed;
                            }
                            else
                            {
                                probe.TrySkipLine(_limits.MaxLineLength, 0);
                                reader = probe;
                                safe = reader.Consumed;
                            }

                            ElementDone();
                            continue;
                        }

                        case (byte)'+':
                        case (byte)':':
                        case (byte)',':
                        case (byte)'#':
                        case (byte)'_':
                        case (byte)'(':
                        {
                            int length = probe.TrySkipLine(_limits.MaxLineLength, 0);
                            if (length == -2)
                            {
                                throw new RespProtocolException("line longer than " + _limits.MaxLineLength + " bytes", elementStart);
                            }

                            if (length < 0)
                            {
                                goto done;
                            }

                            reader = probe;
                            safe = reader.Consumed;
                            ElementDone();
                            continue;
                        }

                        case (byte)'$':
                        case (byte)'!':
                        case (byte)'=':
                        {
                            if (!RespStreamNumbers.TryReadNumber(ref probe, elementStart, out long length))
                            {
                                goto done;
                            }

                            reader = probe;
                            safe = reader.Consumed;
                            if (length == -1 && marker == (byte)'$')
                            {
                                ElementDone();
                                continue;
                            }

                            if (length < 0 || length > _limits.MaxBulkLength)
                            {
                                throw new RespProtocolException("invalid bulk length", elementStart);
                            }

                            _payloadLeft = length;
                            _crlfLeft = 2;
                            continue;
                        }

                        case (byte)'*':
                        case (byte)'~':
                        case (byte)'>':
                        case (byte)'%':
                        case (byte)'|':
                        {
                            if (!RespStreamNumbers.TryReadNumber(ref probe, elementStart, out long count))
                            {
                                goto done;
                            }

                            reader = probe;
                            safe = reader.Consumed;
                            if (count == -1 && marker == (byte)'*')
                            {
                                ElementDone();
                                continue;
                            }

                            if (count < 0 || count > _limits.MaxAggregateLength)
                            {
                                throw new RespProtocolException("invalid aggregate length", elementStart);
                            }

                            bool attribute = marker == (byte)'|';
                            long elements = marker == (byte)'%' || attribute ? count * 2 : count;
                            if (elements == 0)
                            {
                                // An empty attribute annotates nothing; an empty aggregate is a whole element.
                                if (!attribute)
                                {
                                    ElementDone();
                                }

                                continue;
                            }

                            Push(elements, attribute, elementStart);
                            continue;
                        }

                        default:
                            throw new RespProtocolException("unexpected byte 0x" + marker.ToString("x2", System.Globalization.CultureInfo.InvariantCulture) + " where a RESP type marker was expected", elementStart);
                    }
                }

            done:;
            }
            finally
            {
                written += RelayBytes.Copy(input, passStart, safe - passStart, output);
            }

            return input.GetPosition(safe);
        }

        /// <summary>
        /// The tunnel's own answers whose turn has come (every earlier reply relayed), when the stream is between
        /// frames. The caller must not run this and <see cref="Process"/> at the same time.
        /// </summary>
        public long WriteDueLocalReplies(IBufferWriter<byte> output)
        {
            long written = 0;
            if (_inFrame)
            {
                return 0;
            }

            while (TakeDueLocalReply() is byte[] reply)
            {
                output.Write(reply);
                written += reply.Length;
                Interlocked.Increment(ref _completed);
            }

            return written;
        }

        private byte[]? TakeDueLocalReply()
        {
            lock (_local)
            {
                if (_local.Count == 0 || !(Desynced || _local.Peek().Ordinal <= RepliesCompleted))
                {
                    return null;
                }

                byte[] reply = _local.Dequeue().Reply;
                Volatile.Write(ref _localCount, _local.Count);
                return reply;
            }
        }

        private ClientCommandKind PeekKind()
        {
            long current = RepliesCompleted;
            while (_notable.TryPeek(out var head))
            {
                if (head.Ordinal < current)
                {
                    _notable.TryDequeue(out _);
                    continue;
                }

                if (head.Ordinal > current)
                {
                    return ClientCommandKind.Other;
                }

                if (head.Kind == ClientCommandKind.Desync)
                {
                    // From here on replies no longer pair with commands: stop pairing for good.
                    Volatile.Write(ref _desynced, 1);
                    while (_notable.TryDequeue(out _))
                    {
                    }

                    return ClientCommandKind.Other;
                }

                return head.Kind;
            }

            return ClientCommandKind.Other;
        }

        // Redis's answer to EXEC after a command of the transaction was refused. Should DISCARD fail (the server
        // was not in the transaction after all), its own error is relayed.
        private static RespValue? ExecAbortFor(RespValue discardReply)
            => discardReply.IsError ? null : RespValue.Error("EXECABORT Transaction discarded because of previous errors.");

        private bool TryReadWhole(ReadOnlySequence<byte> rest, out RespValue reply, out SequencePosition end)
        {
            return RespReader.TryRead(rest, _wholeFrameLimits, out reply, out end);
        }

        private string? ReadRedirect(ref RespBufferReader probe, int length)
        {
            RespBufferReader copy = probe;
            Span<byte> line = stackalloc byte[MaxRedirectLine];
            int read = copy.TryReadLine(line.Slice(0, length), 0);
            if (read != length)
            {
                return null;
            }

            string text = Encoding.UTF8.GetString(line.Slice(0, length).ToArray());
            string? rewritten = TopologyRewriter.RewriteRedirect(text, _connectedHost, _map!);
            if (rewritten != null)
            {
                probe = copy;
            }

            return rewritten;
        }

        private void Push(long elements, bool attribute, long offset)
        {
            if (_depth + 1 > _limits.MaxDepth)
            {
                throw new RespProtocolException("aggregates nested deeper than " + _limits.MaxDepth + " levels", offset);
            }

            if (_depth == _stack.Length)
            {
                Array.Resize(ref _stack, _stack.Length * 2);
            }

            _stack[_depth++] = new Level { Left = elements, Attribute = attribute };
        }

        private void ElementDone()
        {
            while (_depth > 0)
            {
                ref Level top = ref _stack[_depth - 1];
                if (--top.Left > 0)
                {
                    return;
                }

                _depth--;
                if (top.Attribute)
                {
                    // An attribute annotates the value that follows it: that value fills the slot.
                    return;
                }
            }

            _inFrame = false;
            if (!_framePush)
            {
                Interlocked.Increment(ref _completed);
            }
        }

        private struct Level
        {
            public long Left;
            public bool Attribute;
        }
    }
}
