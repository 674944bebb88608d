using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Tunnel.Hosting;

namespace RedisCluster.Engine.Tunnel.Relay
{
    /// <summary>
    /// Follows the command stream a client sends through the tunnel, one read at a time, and copies it to
    /// the server. Payloads stream through as they arrive, so memory per client stays bounded whatever
    /// the size of a value; only the short header of each command is held back until it is complete, to
    /// classify the command. AUTH and HELLO are read whole and rewritten when the tunnel holds the
    /// credential; nothing else is changed.
    /// </summary>
    internal sealed class CommandStreamScanner : IRelayFilter
    {
        // Names and subcommands longer than this are never ones the tunnel looks at.
        private const int MaxClassifiedWord = TunnelAccessPolicy.MaxName;

        private readonly RespLimits _limits;
        private readonly RespLimits _wholeFrameLimits;
        private readonly Func<byte[]>? _authCommand;
        private long _elementsLeft;
        private long _payloadLeft;
        private int _crlfLeft;
        private long _completed;

        // The command being read is refused by the gate: its bytes are read and dropped, not relayed.
        private bool _dropping;

        // MULTI was relayed and not yet ended; and whether the tunnel refused a command queued since, which in
        // Redis flags the transaction so that EXEC discards it.
        private bool _inTransaction;
        private bool _transactionRefused;

        /// <param name="limits">Bounds on argument counts and lengths.</param>
        /// <param name="maxWholeFrame">Largest AUTH or HELLO frame accepted.</param>
        /// <param name="authCommand">
        /// Builds the tunnel's own AUTH command; null when the tunnel holds no credential, in which case
        /// the client's AUTH and HELLO pass unchanged and the client authenticates itself.
        /// </param>
        public CommandStreamScanner(RespLimits limits, int maxWholeFrame, Func<byte[]>? authCommand)
        {
            _limits = limits;
            _authCommand = authCommand;
            _wholeFrameLimits = new RespLimits
            {
                MaxFrameLength = maxWholeFrame,
                MaxBulkLength = maxWholeFrame,
                MaxLineLength = 64,
                MaxAggregateLength = Math.Min(limits.MaxAggregateLength, 1024),
                MaxDepth = 1,
            };
        }

        /// <summary>
        /// The client's standing with the tunnel's password and deny list; null when there is neither. A refused
        /// command is not relayed: its answer goes to <see cref="LocalReply"/>.
        /// </summary>
        public TunnelClientGate? Gate { get; set; }

        /// <summary>Called with the ordinal of a command the tunnel answers itself, and the RESP bytes of the answer.</summary>
        public Action<long, byte[]>? LocalReply { get; set; }

        /// <summary>Called with the ordinal of each command the reply side must know about.</summary>
        public Action<long, ClientCommandKind>? Notable { get; set; }

        /// <summary>Commands whose first byte has been seen; the next command gets this number.</summary>
        public long CommandsStarted { get; private set; }

        /// <summary>Commands relayed completely. Safe to read from another thread.</summary>
        public long CommandsCompleted => System.Threading.Volatile.Read(ref _completed);

        /// <summary>Set when the client sent something that is not a RESP command; nothing after it is relayed.</summary>
        public string? ProtocolError { get; private set; }

        /// <summary>The protocol error in Redis's own words, for the reply to the client (see <see cref="RespProtocolException.RedisReason"/>).</summary>
        public string? ProtocolErrorReason { get; private set; }

        /// <summary>True once the client sent QUIT: the server closing the connection after it is the client's doing.</summary>
        public bool QuitSent { get; private set; }

        /// <summary>
        /// Relays what it can of <paramref name="input"/> to <paramref name="output"/> and returns the position
        /// up to which input was used; the rest (an incomplete header, AUTH or HELLO) must be offered again
        /// with more bytes. After a protocol error (see <see cref="ProtocolError"/>) everything before the
        /// offending frame has been relayed and nothing else will be.
        /// </summary>
        public SequencePosition Process(ReadOnlySequence<byte> input, IBufferWriter<byte> output, out long written)
        {
            written = 0;
            if (ProtocolError != null)
            {
                return input.End;
            }

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
                        passStart = _dropping ? safe : passStart;
                        if (_payloadLeft > 0)
                        {
                            break;
                        }
                    }

                    if (_crlfLeft > 0)
                    {
                        bool ended = RelayBytes.ReadCrLf(ref reader, ref safe, ref _crlfLeft, "bulk argument");
                        passStart = _dropping ? safe : passStart;
                        if (!ended)
                        {
                            break;
                        }

                        ElementDone();
                        continue;
                    }

                    if (_elementsLeft > 0)
                    {
                        RespBufferReader probe = reader;
                        if (!probe.TryRead(out byte marker))
                        {
                            break;
                        }

                        if (marker != (byte)'$')
                        {
                            throw new RespProtocolException("expected '$', got '" + Printable(marker) + "'", reader.Consumed);
                        }

                        if (!RespStreamNumbers.TryReadNumber(ref probe, reader.Consumed, out long length))
                        {
                            break;
                        }

                        if (length < 0 || length > _limits.MaxBulkLength)
                        {
                            throw new RespProtocolException("invalid bulk length", reader.Consumed);
                        }

                        reader = probe;
                        safe = reader.Consumed;
                        passStart = _dropping ? safe : passStart;
                        _payloadLeft = length;
                        _crlfLeft = 2;
                        continue;
                    }

                    // Between commands.
                    long frameStart = reader.Consumed;
                    RespBufferReader head = reader;
                    if (!head.TryRead(out byte first))
                    {
                        break;
                    }

                    if (first != (byte)'*')
                    {
                        throw new RespProtocolException(
                            "expected '*', got '" + Printable(first) + "' (the tunnel relays RESP arrays only, not inline commands)", frameStart);
                    }

                    if (!RespStreamNumbers.TryReadNumber(ref head, frameStart, out long count))
                    {
                        break;
                    }

                    if (count <= 0)
                    {
                        // Redis ignores an empty multibulk and sends no reply; so does the tunnel.
                        reader = head;
                        safe = reader.Consumed;
                        continue;
                    }

                    if (count > _limits.MaxAggregateLength)
                    {
                        throw new RespProtocolException("invalid multibulk length", frameStart);
                    }

                    if (!TryClassify(head, count, out ClientCommandKind kind, out bool rewrite, out string? refusal))
                    {
                        break;
                    }

                    if (refusal != null || kind == ClientCommandKind.DiscardedExec)
                    {
                        // The command itself is dropped. A refused one is answered by the tunnel, in its place among
                        // the replies; an EXEC that must fail makes the server discard the transaction instead of
                        // running it, and the reply side answers EXECABORT.
                        written += RelayBytes.Copy(input, passStart, frameStart - passStart, output);
                        if (refusal != null)
                        {
                            LocalReply?.Invoke(CommandsStarted, ErrorReply(refusal));
                            _transactionRefused |= _inTransaction;
                        }
                        else
                        {
                            output.Write(DiscardCommand);
                            written += DiscardCommand.Length;
                            Notable?.Invoke(CommandsStarted, kind);
                        }

                        CommandsStarted++;
                        reader = head;
                        passStart = safe = reader.Consumed;
                        _elementsLeft = count;
                        _dropping = true;
                        continue;
                    }

                    if (rewrite)
                    {
                        ReadOnlySequence<byte> rest = input.Slice(frameStart);
                        if (!RespReader.TryRead(rest, _wholeFrameLimits, out RespValue frame, out SequencePosition end))
                        {
                            break;
                        }

                        long frameLength = rest.Slice(0, end).Length;
                        written += RelayBytes.Copy(input, passStart, frameStart - passStart, output);
                        written += WriteRewritten(frame, rest.Slice(0, end), output);
                        reader.TryAdvance(frameLength);
                        passStart = safe = reader.Consumed;
                        CommandsStarted++;
                        System.Threading.Interlocked.Increment(ref _completed);
                        continue;
                    }

                    if (kind != ClientCommandKind.Other)
                    {
                        Notable?.Invoke(CommandsStarted, kind);
                    }

                    CommandsStarted++;
                    reader = head;
                    safe = reader.Consumed;
                    _elementsLeft = count;
                }
            }
            catch (RespProtocolException ex)
            {
                ProtocolError = ex.Message;
                ProtocolErrorReason = ex.RedisReason;
            }

            written += RelayBytes.Copy(input, passStart, safe - passStart, output);
            return input.GetPosition(safe);
        }

        private void ElementDone()
        {
            if (--_elementsLeft == 0)
            {
                _dropping = false;
                System.Threading.Interlocked.Increment(ref _completed);
            }
        }

        /// <summary>
        /// Decides what a command is from its first two arguments. False when they have not fully arrived
        /// (at most a few dozen bytes are ever held back for this).
        /// </summary>
        private bool TryClassify(RespBufferReader reader, long count, out ClientCommandKind kind, out bool rewrite, out string? refusal)
        {
            kind = ClientCommandKind.Other;
            rewrite = false;
            refusal = null;
            Span<byte> name = stackalloc byte[MaxClassifiedWord];
            int nameLength = TryReadWord(ref reader, name);
            if (nameLength == -1)
            {
                return false;
            }

            if (nameLength == -2)
            {
                // Longer than any name a rule can name: refused only for want of authentication.
                refusal = Gate?.Check(null, null);
                return true;
            }

            ReadOnlySpan<byte> word = name.Slice(0, nameLength);
            if (Is(word, "AUTH") || Is(word, "HELLO"))
            {
                // Read whole: rewritten to the tunnel's credential, or checked against the tunnel's own password.
                rewrite = _authCommand != null || Gate?.RequiresPassword == true;
                return true;
            }

            string? gateName = Gate == null ? null : TunnelClientGate.NameOf(word);
            bool cluster = Is(word, "CLUSTER");
            bool needsSub = cluster || Is(word, "CLIENT") || (gateName != null && Gate!.NeedsSubcommand(gateName));
            scoped ReadOnlySpan<byte> subWord = ReadOnlySpan<byte>.Empty;
            Span<byte> sub = stackalloc byte[MaxClassifiedWord];
            if (needsSub && count >= 2)
            {
                int subLength = TryReadWord(ref reader, sub);
                if (subLength == -1)
                {
                    return false;
                }

                subWord = subLength < 0 ? ReadOnlySpan<byte>.Empty : sub.Slice(0, subLength);
            }

            if (Gate != null)
            {
                refusal = Gate.Check(gateName, subWord.IsEmpty ? null : TunnelClientGate.NameOf(subWord));
                if (refusal != null)
                {
                    return true;
                }
            }

            if (Is(word, "QUIT"))
            {
                QuitSent = true;
                return true;
            }

            if (count == 1)
            {
                kind = FollowTransaction(word);
                if (kind != ClientCommandKind.Other)
                {
                    return true;
                }
            }

            if (Is(word, "SUBSCRIBE") || Is(word, "PSUBSCRIBE") || Is(word, "SSUBSCRIBE") || Is(word, "UNSUBSCRIBE")
                || Is(word, "PUNSUBSCRIBE") || Is(word, "SUNSUBSCRIBE") || Is(word, "MONITOR") || Is(word, "SYNC") || Is(word, "PSYNC"))
            {
                kind = ClientCommandKind.Desync;
                return true;
            }

            if (!needsSub || count < 2)
            {
                return true;
            }

            if (!cluster)
            {
                if (Is(subWord, "REPLY"))
                {
                    kind = ClientCommandKind.Desync;
                }
            }
            else if (Is(subWord, "SLOTS"))
            {
                kind = ClientCommandKind.ClusterSlots;
            }
            else if (Is(subWord, "SHARDS"))
            {
                kind = ClientCommandKind.ClusterShards;
            }
            else if (Is(subWord, "NODES"))
            {
                kind = ClientCommandKind.ClusterNodes;
            }
            else if (Is(subWord, "REPLICAS") || Is(subWord, "SLAVES"))
            {
                kind = ClientCommandKind.ClusterReplicas;
            }

            return true;
        }

        /// <summary>
        /// Follows MULTI, EXEC, DISCARD and RESET (each relayed without arguments) as the server will run them;
        /// <see cref="ClientCommandKind.DiscardedExec"/> for an EXEC that must discard the transaction.
        /// </summary>
        private ClientCommandKind FollowTransaction(ReadOnlySpan<byte> word)
        {
            if (Is(word, "MULTI"))
            {
                // A nested MULTI is an error that leaves the transaction as it was.
                _transactionRefused &= _inTransaction;
                _inTransaction = true;
                return ClientCommandKind.Other;
            }

            bool exec = Is(word, "EXEC");
            if (exec || Is(word, "DISCARD") || Is(word, "RESET"))
            {
                bool discard = exec && _inTransaction && _transactionRefused;
                _inTransaction = _transactionRefused = false;
                return discard ? ClientCommandKind.DiscardedExec : ClientCommandKind.Other;
            }

            return ClientCommandKind.Other;
        }

        /// <summary>
        /// Reads one bulk argument into <paramref name="destination"/>. Returns its length, -1 when it has not
        /// fully arrived, or -2 when it is longer than the destination (then it is not a word of interest).
        /// </summary>
        private int TryReadWord(ref RespBufferReader reader, scoped Span<byte> destination)
        {
            long offset = reader.Consumed;
            if (!reader.TryRead(out byte marker))
            {
                return -1;
            }

            if (marker != (byte)'$')
            {
                throw new RespProtocolException("expected '$', got '" + Printable(marker) + "'", offset);
            }

            if (!RespStreamNumbers.TryReadNumber(ref reader, offset, out long length))
            {
                return -1;
            }

            if (length < 0 || length > _limits.MaxBulkLength)
            {
                throw new RespProtocolException("invalid bulk length", offset);
            }

            if (length > destination.Length)
            {
                return -2;
            }

            Span<byte> word = destination.Slice(0, (int)length);
            if (!reader.TryCopy(word) || !reader.TryRead(out byte cr) || !reader.TryRead(out byte lf))
            {
                return -1;
            }

            if (cr != (byte)'\r' || lf != (byte)'\n')
            {
                throw new RespProtocolException("bulk argument not terminated by CRLF", reader.Consumed - 2);
            }

            return (int)length;
        }

        private long WriteRewritten(RespValue frame, ReadOnlySequence<byte> original, IBufferWriter<byte> output)
        {
            IReadOnlyList<RespValue> args = frame.Items;
            if (frame.Type != RespType.Array || args.Count == 0)
            {
                throw new RespProtocolException("expected an array of bulk strings", 0);
            }

            foreach (RespValue arg in args)
            {
                if (arg.Type != RespType.BulkString || arg.IsNull)
                {
                    throw new RespProtocolException("expected '$' in a command", 0);
                }
            }

            bool isAuth = Is(args[0].GetBytes(), "AUTH");
            if (Gate?.RequiresPassword == true)
            {
                var raw = new byte[args.Count][];
                for (int i = 0; i < args.Count; i++)
                {
                    raw[i] = args[i].GetBytes()!;
                }

                string? refusal = Gate.CheckAuthentication(isAuth ? "AUTH" : "HELLO", raw);
                if (refusal != null || (isAuth && _authCommand == null))
                {
                    // Wrong password, or a right one for a tunnel whose server needs none: the tunnel answers.
                    LocalReply?.Invoke(CommandsStarted, refusal == null ? OkReply() : ErrorReply(refusal));
                    return 0;
                }
            }

            if (isAuth)
            {
                // The reply must come from the server, in pipeline order, and must leave the session
                // authenticated as the tunnel's user: so the server gets the tunnel's own AUTH. A malformed
                // AUTH passes unchanged and gets the server's syntax error.
                if (args.Count != 2 && args.Count != 3)
                {
                    return RelayBytes.Copy(original, 0, original.Length, output);
                }

                byte[] auth = _authCommand!();
                output.Write(auth);
                Array.Clear(auth, 0, auth.Length);
                return auth.Length;
            }

            // HELLO [protover [AUTH user pass] [SETNAME name]]: the protocol switch and the name still reach
            // the server, the client's credential does not.
            var kept = new List<ReadOnlyMemory<byte>>(args.Count);
            for (int i = 0; i < args.Count; i++)
            {
                if (i > 0 && Is(args[i].GetBytes(), "AUTH") && i + 2 < args.Count)
                {
                    i += 2;
                    continue;
                }

                kept.Add(args[i].GetBytes());
            }

            var buffer = new GrowableBuffer(64);
            RespWriter.WriteCommand(buffer, kept);
            output.Write(buffer.WrittenSpan);
            return buffer.WrittenCount;
        }

        private static readonly byte[] DiscardCommand = System.Text.Encoding.ASCII.GetBytes("*1\r\n$7\r\nDISCARD\r\n");

        private static byte[] ErrorReply(string message) => System.Text.Encoding.UTF8.GetBytes("-" + message + "\r\n");

        private static byte[] OkReply() => new[] { (byte)'+', (byte)'O', (byte)'K', (byte)'\r', (byte)'\n' };

        private static bool Is(byte[]? bytes, string word) => bytes != null && Is(new ReadOnlySpan<byte>(bytes), word);

        /// <summary>ASCII comparison ignoring case, as Redis matches command names.</summary>
        internal static bool Is(ReadOnlySpan<byte> bytes, string word)
        {
            if (bytes.Length != word.Length)
            {
                return false;
            }

            for (int i = 0; i < bytes.Length; i++)
            {
                int b = bytes[i];
                if (b >= 'a' && b <= 'z')
                {
                    b -= 32;
                }

                if (b != word[i])
                {
                    return false;
                }
            }

            return true;
        }

        private static string Printable(byte b)
            => b >= 0x20 && b < 0x7f ? ((char)b).ToString() : "\\x" + b.ToString("x2", CultureInfo.InvariantCulture);
    }
}
