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
        private readonly RespLimits _wholeFrameLimits;
        private readonly ConcurrentQueue<(long Ordinal, ClientCommandKind Kind)> _notable = new ConcurrentQueue<(long, ClientCommandKind)>();

        // Not a ConcurrentQueue: peeking at one keeps every dequeued entry referenced (see PendingReplyQueue),
        // and these entries hold byte arrays. The count lets the relay loop skip the lock while none is queued.
        private readonly Queue<(long Ordinal, byte[] Reply)> _local = new Queue<(long, byte[])>();
        private int _localCount;
        private RespStreamScanner _scanner;
        private bool _framePush;
        private long _completed;
        private int _desynced;

        /// <param name="map">Null: relay and count only (standalone mode).</param>
        /// <param name="connectedHost">Host of the node this connection reaches (for redirects with an empty host).</param>
        public ReplyStreamRewriter(ITunnelAddressMap? map, string connectedHost, RespLimits limits, int maxWholeFrame)
        {
            _map = map;
            _connectedHost = connectedHost;
            _scanner = new RespStreamScanner(limits, RespStreamKind.Replies);
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

            // Input from passStart to safe is still to be copied on; past safe nothing is passed yet.
            long passStart = 0;
            long safe = 0;
            var reader = new RespBufferReader(input);
            try
            {
                while (true)
                {
                    if (!_scanner.InFrame)
                    {
                        if (Volatile.Read(ref _localCount) != 0)
                        {
                            written += RelayBytes.Copy(input, passStart, safe - passStart, output);
                            passStart = safe;
                            written += WriteDueLocalReplies(output);
                        }

                        if (!reader.TryPeek(out byte marker))
                        {
                            break;
                        }

                        _framePush = marker == (byte)'>';
                        ClientCommandKind kind = _framePush ? ClientCommandKind.Other : PeekKind();
                        if (kind != ClientCommandKind.Other)
                        {
                            long frameStart = reader.Consumed;
                            ReadOnlySequence<byte> rest = input.Slice(frameStart);
                            if (!RespReader.TryRead(rest, _wholeFrameLimits, out RespValue reply, out SequencePosition end))
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
                                written += RelayBytes.Copy(input, passStart, frameStart - passStart, output);
                                written += WriteValue(rewritten, TopologyRewriter.UsesResp3(reply) ? 3 : 2, frameLength, output);
                                reader.TryAdvance(frameLength);
                                passStart = safe = reader.Consumed;
                                Rewrites++;
                                Interlocked.Increment(ref _completed);
                                continue;
                            }

                            // Nothing to change: stream it like any other reply.
                        }
                    }

                    RespScanStep step = _scanner.Next(ref reader, out RespElement element);
                    if (step == RespScanStep.Element && element.Type == RespType.Error && _map != null && element.LineLength <= MaxRedirectLine
                        && ErrorReplyClassifier.ClassifyFrame(input.Slice(element.Start)).IsRedirect())
                    {
                        byte[]? line = RewrittenRedirect(input.Slice(element.Start + 1, element.LineLength));
                        if (line != null)
                        {
                            written += RelayBytes.Copy(input, passStart, element.Start - passStart, output);
                            output.Write(line);
                            written += line.Length;
                            Rewrites++;
                            passStart = reader.Consumed;
                        }
                    }

                    safe = reader.Consumed;
                    if (step == RespScanStep.NeedMore)
                    {
                        break;
                    }

                    if (!_scanner.InFrame && !_framePush)
                    {
                        Interlocked.Increment(ref _completed);
                    }
                }
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
            if (_scanner.InFrame)
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

        /// <summary>The error line (marker and CRLF excluded) with the node's address put in the tunnel's place; null when it names none.</summary>
        private byte[]? RewrittenRedirect(ReadOnlySequence<byte> line)
        {
            string? rewritten = TopologyRewriter.RewriteRedirect(Encoding.UTF8.GetString(line.ToArray()), _connectedHost, _map!);
            return rewritten == null ? null : Encoding.UTF8.GetBytes("-" + rewritten + "\r\n");
        }

        private static long WriteValue(RespValue value, int protocol, long originalLength, IBufferWriter<byte> output)
        {
            var buffer = new GrowableBuffer(checked((int)Math.Min(int.MaxValue / 2, originalLength + 256)));
            RespWriter.WriteValue(buffer, value, protocol);
            output.Write(buffer.WrittenSpan);
            return buffer.WrittenCount;
        }
    }
}
