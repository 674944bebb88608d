using System;
using System.Buffers;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Tunnel.Hosting;

namespace RedisCluster.Engine.Tunnel.Smart
{
    /// <summary>
    /// The commands of one read of a smart client while they run, and their replies by position. A
    /// command runs one of three ways: relayed (single-slot, its reply passed through as bytes), pinned (to
    /// the connection that holds a WATCH) or through the shared cluster router. At most one of the three
    /// queues holds commands at a time: before a command joins one, the others run, so the commands run in
    /// the client's order. A session reuses its batch for reads of up to <see cref="Retained"/> commands.
    /// </summary>
    internal sealed class SmartBatch : IRawReplySink
    {
        /// <summary>Commands per read for which a session keeps its batch; larger reads get one of their own.</summary>
        public const int Retained = 64;

        /// <summary>Relayed reply bytes a kept batch may hold on to between reads.</summary>
        private const int RetainedReplyBytes = 64 * 1024;

        private readonly object _rawGate = new object();
        private readonly List<RelayGroup> _groups = new List<RelayGroup>(4);

        // The parts of split commands in flight; a part's tag is the batch's size plus its place here.
        private readonly List<(SmartSplitReply Split, int Part)> _splitParts = new List<(SmartSplitReply Split, int Part)>();
        private int _count;
        private int _groupCount;
        private RespValue?[] _replies = Array.Empty<RespValue?>();
        private int[] _protocols = Array.Empty<int>();
        private string[] _names = Array.Empty<string>();
        private int[] _rawStart = Array.Empty<int>();
        private int[] _rawLength = Array.Empty<int>();
        private bool[] _retry = Array.Empty<bool>();
        private GrowableBuffer _rawBytes = new GrowableBuffer(256);
        private int _outstanding;
        private TaskCompletionSource<bool>? _waiter;
        private CancellationTokenRegistration _waitCancellation;

        private static readonly Action<object?> StopWaiting = state => ((TaskCompletionSource<bool>)state!).TrySetCanceled();

        /// <summary>Replies given as values (answered locally, by the router or by the pinned connection); indexed by position, may be longer than the batch.</summary>
        public RespValue?[] Replies => _replies;

        /// <summary>The protocol each reply is written in (HELLO switches it for what follows).</summary>
        public int[] Protocols => _protocols;

        public string[] Names => _names;

        /// <summary>For each EXEC, its block: its replies take those commands' shapes.</summary>
        public List<RedisCommand>?[]? Transactions { get; set; }

        /// <summary>Commands for the shared cluster router; a block's MULTI and queued commands have no reply of their own.</summary>
        public SmartCommandQueue Shared { get; } = new SmartCommandQueue();

        /// <summary>Commands of the watched slot, for the connection that holds the WATCH.</summary>
        public SmartCommandQueue Pinned { get; } = new SmartCommandQueue();

        /// <summary>Relayed commands not yet known to be done, in the client's order (added by <see cref="Relay"/> and <see cref="RelaySplit"/>).</summary>
        public SmartCommandQueue Relayed { get; } = new SmartCommandQueue();

        /// <summary>Starts a read of <paramref name="count"/> commands, forgetting the last one's.</summary>
        public SmartBatch Reset(int count)
        {
            _count = count;
            _splitParts.Clear();
            if (_replies.Length < count)
            {
                _replies = new RespValue?[count];
                _protocols = new int[count];
                _names = new string[count];
                _rawStart = new int[count];
                _rawLength = new int[count];
                _retry = new bool[count];
            }
            else
            {
                Array.Clear(_replies, 0, count);
                Array.Clear(_retry, 0, count);
            }

            for (int i = 0; i < count; i++)
            {
                _rawLength[i] = -1;
            }

            Transactions = null;
            _waiter = null;
            if (_rawBytes.WrittenCount > RetainedReplyBytes)
            {
                _rawBytes = new GrowableBuffer(256);
            }
            else
            {
                // The last read's replies may have held secrets (CONFIG GET, a stored password).
                _rawBytes.Clear();
            }

            return this;
        }

        /// <summary>True when the command at <paramref name="index"/> was relayed and its reply is in, as bytes in the protocol it was sent in.</summary>
        public bool HasRawReply(int index) => _rawLength[index] >= 0;

        public ReadOnlySpan<byte> RawReply(int index) => _rawBytes.WrittenSpan.Slice(_rawStart[index], _rawLength[index]);

        /// <summary>
        /// Replies the tunnel makes up itself when it owes one command more than one (UNSUBSCRIBE a b c),
        /// written in <paramref name="protocol"/>; they go out as the command's reply.
        /// </summary>
        public void SetLocalReplies(int index, IReadOnlyList<RespValue> replies, int protocol)
        {
            lock (_rawGate)
            {
                int start = _rawBytes.WrittenCount;
                foreach (RespValue reply in replies)
                {
                    RespWriter.WriteValue(_rawBytes, reply, protocol);
                }

                _rawStart[index] = start;
                _rawLength[index] = _rawBytes.WrittenCount - start;
            }
        }

        /// <summary>True when the relayed command at <paramref name="index"/> got a redirect or could not be sent, and must run through the router.</summary>
        public bool NeedsRetry(int index) => _retry[index];

        /// <summary>True when relayed commands wait for another connection to the node <paramref name="link"/> goes to.</summary>
        public bool HasOtherLinkTo(RedisConnection link)
        {
            for (int g = 0; g < _groupCount; g++)
            {
                RedisConnection other = _groups[g].Link!;
                if (other != link && other.Endpoint.Equals(link.Endpoint))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>
        /// Adds the parts of a split MGET, EXISTS or TOUCH (<paramref name="command"/>, at <paramref name="index"/>)
        /// to what goes to each part's connection; its reply is put together when the last part's is in.
        /// </summary>
        public void RelaySplit(RedisConnection[] links, IReadOnlyList<Routing.SlotSplit> parts, RedisCommand command, int index, Routing.CommandRoute route)
        {
            Relayed.Add(command, index, route);
            var split = new SmartSplitReply(index, parts, command.Arguments.Count - 1);
            for (int p = 0; p < parts.Count; p++)
            {
                RelayGroup group = GroupFor(links[p]);
                group.Commands.Add(parts[p].Command);
                group.At.Add(_count + _splitParts.Count);
                group.CarriesSplitPart = true;
                _splitParts.Add((split, p));
            }
        }

        /// <summary>Adds <paramref name="command"/> to what goes to <paramref name="link"/> when the relayed commands are sent.</summary>
        public void Relay(RedisConnection link, RedisCommand command, int index, Routing.CommandRoute route)
        {
            Relayed.Add(command, index, route);
            RelayGroup group = GroupFor(link);
            group.Commands.Add(command);
            group.At.Add(index);
        }

        private RelayGroup GroupFor(RedisConnection link)
        {
            for (int g = 0; g < _groupCount; g++)
            {
                if (_groups[g].Link == link)
                {
                    return _groups[g];
                }
            }

            if (_groupCount == _groups.Count)
            {
                _groups.Add(new RelayGroup());
            }

            RelayGroup group = _groups[_groupCount++];
            group.Link = link;
            return group;
        }

        /// <summary>
        /// Sends the relayed commands, each node's in one go, and completes when every one has its reply (or its failure),
        /// or is cancelled by <paramref name="cancellationToken"/> (the replies may still come). Call <see cref="EndWait"/>
        /// after it, however it ended.
        /// </summary>
        public Task SendRelayedAsync(CancellationToken cancellationToken)
        {
            for (int g = 0; g < _groupCount; g++)
            {
                RelayGroup group = _groups[g];
                Interlocked.Add(ref _outstanding, group.At.Count);
                try
                {
                    group.Link!.Queue(group.Commands, this, group.At);
                }
                catch (RedisConnectionException ex)
                {
                    foreach (int at in group.At)
                    {
                        OnFailure(at, ex);
                    }
                }
            }

            for (int g = 0; g < _groupCount; g++)
            {
                _groups[g].Link!.SendQueued();
            }

            return WhenRepliedAsync(cancellationToken);
        }

        /// <summary>Lets go of the wait's cancellation (the session's token outlives its batches).</summary>
        public void EndWait()
        {
            _waitCancellation.Dispose();
            _waitCancellation = default;
        }

        /// <summary>Forgets the relayed commands once their replies are all in.</summary>
        public void ClearRelayed()
        {
            _splitParts.Clear();
            Relayed.Clear();
            for (int g = 0; g < _groupCount; g++)
            {
                _groups[g].Clear();
            }

            _groupCount = 0;
        }

        public void OnReply(int tag, ReadOnlySequence<byte> reply)
        {
            if (tag >= _count)
            {
                try
                {
                    var (split, part) = _splitParts[tag - _count];
                    if (IsRedirect(reply) ? split.Fail(part) : split.Add(part, CopyReply(reply), (int)reply.Length))
                    {
                        Finish(split);
                    }
                }
                finally
                {
                    // Whatever happened to the part, the wait for the batch must end.
                    Replied();
                }

                return;
            }

            if (IsRedirect(reply))
            {
                // The router follows the slot (and refreshes the topology); the client never sees the redirect.
                _retry[tag] = true;
            }
            else
            {
                _rawStart[tag] = CopyReply(reply);
                _rawLength[tag] = (int)reply.Length;
            }

            Replied();
        }

        /// <summary>Copies a reply (or a split command's part's) to the batch's reply bytes; where it starts.</summary>
        private int CopyReply(ReadOnlySequence<byte> reply)
        {
            // Replies from different nodes arrive on different threads.
            lock (_rawGate)
            {
                int length = (int)reply.Length;
                int start = _rawBytes.WrittenCount;
                reply.CopyTo(_rawBytes.GetSpan(length));
                _rawBytes.Advance(length);
                return start;
            }
        }

        public void OnFailure(int tag, Exception error)
        {
            if (tag >= _count)
            {
                var (split, part) = _splitParts[tag - _count];
                if (split.Fail(part))
                {
                    Finish(split);
                }
            }
            else if (error is RedisNotSentException)
            {
                // Never sent: the router may run it, following the slot and waiting out a failover.
                _retry[tag] = true;
            }
            else
            {
                // Sent, and the connection broke before the reply: it may have run (and other clients'
                // commands on the same connection with it), so it is not run again; its client hears why.
                _replies[tag] = RespValue.Error("ERR tunnel: the connection to the node broke while the command was in flight; it may have run, so it was not sent again ("
                    + ErrorLines.OneLine(error.Message) + ")");
            }

            Replied();
        }

        /// <summary>A split command's last part is in: its reply, put together, or a retry through the router.</summary>
        private void Finish(SmartSplitReply split)
        {
            if (split.Failed || !TryComposeRaw(split))
            {
                _retry[split.Index] = true;
            }
        }

        private bool TryComposeRaw(SmartSplitReply split)
        {
            lock (_rawGate)
            {
                int start = _rawBytes.WrittenCount;
                bool composed;
                try
                {
                    composed = split.TryCompose(_rawBytes.WrittenMemory, _rawBytes);
                }
                catch (RespProtocolException)
                {
                    composed = false;
                }

                if (composed)
                {
                    _rawStart[split.Index] = start;
                    _rawLength[split.Index] = _rawBytes.WrittenCount - start;
                }

                return composed;
            }
        }

        /// <summary>
        /// True when <paramref name="link"/> carries a part of a split command in this run. A split command that
        /// has to run again through the router runs after the run, so a write sent on the same connection after
        /// it must wait for the run to end, or the command would see it.
        /// </summary>
        public bool HasSplitPartOn(RedisConnection link)
        {
            // Asked for every relayed command: a flag per connection, not a walk of its commands.
            for (int g = 0; g < _groupCount; g++)
            {
                if (_groups[g].Link == link)
                {
                    return _groups[g].CarriesSplitPart;
                }
            }

            return false;
        }

        private Task WhenRepliedAsync(CancellationToken cancellationToken)
        {
            if (Volatile.Read(ref _outstanding) == 0)
            {
                return Task.CompletedTask;
            }

            // The session carries on where the last reply is heard (on the event loop that read it, as an
            // event-driven relay does), not after a hop to the thread pool: a wake-up per batch was most of the
            // difference to HAProxy's cost per request. Sinks are told outside every lock, so that is safe.
            var waiter = new TaskCompletionSource<bool>();
            Interlocked.Exchange(ref _waiter, waiter);

            // The last reply may have come before the waiter was there to be told.
            if (Volatile.Read(ref _outstanding) == 0)
            {
                waiter.TrySetResult(true);
            }
            else if (cancellationToken.CanBeCanceled)
            {
                // A static callback and the waiter as its state: nothing allocated per batch for the session's token.
                _waitCancellation = cancellationToken.Register(StopWaiting, waiter);
            }

            return waiter.Task;
        }

        private void Replied()
        {
            if (Interlocked.Decrement(ref _outstanding) == 0)
            {
                Volatile.Read(ref _waiter)?.TrySetResult(true);
            }
        }

        /// <summary>The errors the router acts on (<see cref="ErrorReplyClassifier.IsRetriedByRouter"/>), read from the relayed bytes.</summary>
        private static bool IsRedirect(ReadOnlySequence<byte> reply) => ErrorReplyClassifier.ClassifyFrame(reply).IsRetriedByRouter();

        /// <summary>The commands of one read that go to one upstream connection, and their positions.</summary>
        private sealed class RelayGroup
        {
            public RedisConnection? Link { get; set; }

            public List<RedisCommand> Commands { get; } = new List<RedisCommand>();

            public List<int> At { get; } = new List<int>();

            /// <summary>A part of a split command is among <see cref="Commands"/>.</summary>
            public bool CarriesSplitPart { get; set; }

            public void Clear()
            {
                Link = null;
                CarriesSplitPart = false;
                Commands.Clear();
                At.Clear();
            }
        }
    }
}
