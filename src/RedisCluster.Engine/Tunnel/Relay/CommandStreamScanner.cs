using System;
using System.Buffers;
using System.Threading;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Tunnel.Hosting;

namespace RedisCluster.Engine.Tunnel.Relay
{
    /// <summary>
    /// Follows the command stream a client sends through the tunnel, one read at a time, and copies it to the
    /// server. Payloads stream through as they arrive (a <see cref="RespStreamScanner"/> walks them), so memory per
    /// client stays bounded whatever the size of a value; only the short head of each command (its name and
    /// first argument) is held back until it is complete, for <see cref="ClientCommandClassifier"/> to decide
    /// about it. AUTH and HELLO are read whole and rewritten when the tunnel holds the credential
    /// (<see cref="ClientAuthRewrite"/>); inline commands are read with Redis's rules (<see cref="CommandReader"/>)
    /// and sent on as the RESP array they mean; nothing else is changed.
    /// </summary>
    internal sealed class CommandStreamScanner : IRelayFilter
    {
        private static readonly byte[] DiscardCommand = System.Text.Encoding.ASCII.GetBytes("*1\r\n$7\r\nDISCARD\r\n");

        private readonly RespLimits _wholeFrameLimits;
        private readonly RespLimits _inlineLimits;
        private readonly Func<byte[]>? _authCommand;
        private readonly ClientCommandClassifier _classifier;
        private RespStreamScanner _scanner;
        private long _completed;

        // The command being read is refused by the gate: its bytes are read and dropped, not relayed.
        private bool _dropping;

        /// <param name="limits">Bounds on argument counts and lengths.</param>
        /// <param name="maxWholeFrame">Largest AUTH, HELLO or inline command accepted.</param>
        /// <param name="authCommand">
        /// Builds the tunnel's own AUTH command; null when the tunnel holds no credential, in which case
        /// the client's AUTH and HELLO pass unchanged and the client authenticates itself.
        /// </param>
        public CommandStreamScanner(RespLimits limits, int maxWholeFrame, Func<byte[]>? authCommand)
        {
            _authCommand = authCommand;
            _classifier = new ClientCommandClassifier(authCommand != null);
            _scanner = new RespStreamScanner(limits, RespStreamKind.Commands);
            _wholeFrameLimits = new RespLimits
            {
                MaxFrameLength = maxWholeFrame,
                MaxBulkLength = maxWholeFrame,
                MaxLineLength = 64,
                MaxAggregateLength = Math.Min(limits.MaxAggregateLength, 1024),
                MaxDepth = 1,
            };

            // One byte short of what the pump holds at most, so that an endless line is Redis's own fault.
            _inlineLimits = new RespLimits { MaxLineLength = Math.Max(1, maxWholeFrame - 1) };
        }

        /// <summary>
        /// The client's standing with the tunnel's password and deny list; null when there is neither. A refused
        /// command is not relayed: its answer goes to <see cref="LocalReply"/>.
        /// </summary>
        public TunnelClientGate? Gate
        {
            get => _classifier.Gate;
            set => _classifier.Gate = value;
        }

        /// <summary>Called with the ordinal of a command the tunnel answers itself, and the RESP bytes of the answer.</summary>
        public Action<long, byte[]>? LocalReply { get; set; }

        /// <summary>Called with the ordinal of each command the reply side must know about.</summary>
        public Action<long, ClientCommandKind>? Notable { get; set; }

        /// <summary>Commands whose first byte has been seen; the next command gets this number.</summary>
        public long CommandsStarted { get; private set; }

        /// <summary>Commands relayed completely. Safe to read from another thread.</summary>
        public long CommandsCompleted => Volatile.Read(ref _completed);

        /// <summary>Set when the client sent something that is not a command; nothing after it is relayed.</summary>
        public string? ProtocolError { get; private set; }

        /// <summary>The protocol error in Redis's own words, for the reply to the client (see <see cref="RespProtocolException.RedisReason"/>).</summary>
        public string? ProtocolErrorReason { get; private set; }

        /// <summary>True once the client sent QUIT: the server closing the connection after it is the client's doing.</summary>
        public bool QuitSent => _classifier.QuitSent;

        /// <summary>
        /// Relays what it can of <paramref name="input"/> to <paramref name="output"/> and returns the position
        /// up to which input was used; the rest (an incomplete head, AUTH, HELLO or inline command) must be offered
        /// again with more bytes. After a protocol error (see <see cref="ProtocolError"/>) everything before the
        /// offending command has been relayed and nothing else will be.
        /// </summary>
        public SequencePosition Process(ReadOnlySequence<byte> input, IBufferWriter<byte> output, out long written)
        {
            written = 0;
            if (ProtocolError != null)
            {
                return input.End;
            }

            // Input from passStart to safe is still to be copied on; past safe nothing is passed yet.
            long passStart = 0;
            long safe = 0;
            var reader = new RespBufferReader(input);
            try
            {
                while (true)
                {
                    if (_scanner.InFrame)
                    {
                        RespScanStep step = _scanner.Next(ref reader, out _);
                        safe = reader.Consumed;
                        passStart = _dropping ? safe : passStart;
                        if (step == RespScanStep.NeedMore)
                        {
                            break;
                        }

                        AfterStep();
                        continue;
                    }

                    if (!reader.TryPeek(out byte first))
                    {
                        break;
                    }

                    var batch = new Batch(input, output, passStart);
                    bool taken = first == (byte)'*' ? TryStartArray(ref reader, ref batch) : TryInline(ref reader, ref batch);
                    written += batch.Written;
                    passStart = batch.PassStart;
                    if (!taken)
                    {
                        break;
                    }

                    safe = reader.Consumed;
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

        /// <summary>
        /// Reads the head of an array command and decides about it; false when the head has not fully arrived (at
        /// most a few dozen bytes are ever held back for this), or an AUTH or HELLO has not.
        /// </summary>
        private bool TryStartArray(ref RespBufferReader reader, ref Batch batch)
        {
            long frameStart = reader.Consumed;
            RespStreamScanner scanner = _scanner;
            RespBufferReader head = reader;
            if (scanner.Next(ref head, out RespElement header) == RespScanStep.NeedMore)
            {
                return false;
            }

            if (header.Number <= 0)
            {
                // Redis ignores an empty or negative multibulk and sends no reply; so does the tunnel.
                reader = head;
                return true;
            }

            Span<byte> name = stackalloc byte[ClientCommandClassifier.MaxWord];
            Span<byte> sub = stackalloc byte[ClientCommandClassifier.MaxWord];
            int nameLength = TryReadWord(ref scanner, ref head, name);
            int subLength = -2;
            if (nameLength >= 0 && header.Number >= 2 && _classifier.NeedsSubcommand(name.Slice(0, nameLength)))
            {
                subLength = TryReadWord(ref scanner, ref head, sub);
            }

            if (nameLength == -1 || subLength == -1)
            {
                return false;
            }

            ClientCommandVerdict verdict = _classifier.Classify(
                name.Slice(0, Math.Max(nameLength, 0)), nameLength == -2, sub.Slice(0, Math.Max(subLength, 0)), header.Number);
            if (verdict.Action == ClientCommandAction.ReadWhole)
            {
                if (!TryTakeWhole(ref reader, ref batch, _wholeFrameLimits, out byte[][]? args))
                {
                    return false;
                }

                SendWhole(args!, verdict, ref batch);
                return true;
            }

            // The head is taken; the rest of the command streams through (or is dropped) as it comes.
            _scanner = scanner;
            reader = head;
            if (verdict.Action != ClientCommandAction.Relay)
            {
                batch.PassTo(frameStart);
                batch.PassStart = reader.Consumed;
                _dropping = true;
            }

            Decided(verdict, ref batch);
            if (!_scanner.InFrame)
            {
                AfterStep();
            }

            return true;
        }

        /// <summary>An inline command: read whole with Redis's rules and sent on as the array it means.</summary>
        private bool TryInline(ref RespBufferReader reader, ref Batch batch)
        {
            if (!TryTakeWhole(ref reader, ref batch, _inlineLimits, out byte[][]? args))
            {
                return false;
            }

            if (args == null)
            {
                // A blank line: Redis ignores it.
                return true;
            }

            bool nameTooLong = args[0].Length > ClientCommandClassifier.MaxWord;
            byte[]? sub = !nameTooLong && args.Length > 1 && args[1].Length <= ClientCommandClassifier.MaxWord && _classifier.NeedsSubcommand(args[0])
                ? args[1]
                : null;
            ClientCommandVerdict verdict = _classifier.Classify(nameTooLong ? default : args[0], nameTooLong, sub, args.Length);
            SendWhole(args, verdict, ref batch);
            return true;
        }

        /// <summary>
        /// Reads the command at the reader whole with <see cref="CommandReader"/> and takes it out of the input (what
        /// came before it is copied on); false when it has not all arrived.
        /// </summary>
        private static bool TryTakeWhole(ref RespBufferReader reader, ref Batch batch, RespLimits limits, out byte[][]? args)
        {
            long frameStart = reader.Consumed;
            ReadOnlySequence<byte> rest = batch.Input.Slice(frameStart);
            if (!CommandReader.TryRead(rest, limits, out args, out SequencePosition end))
            {
                return false;
            }

            batch.PassTo(frameStart);
            reader.TryAdvance(rest.Slice(0, end).Length);
            batch.PassStart = reader.Consumed;
            return true;
        }

        /// <summary>Sends on (or answers) a command read whole.</summary>
        private void SendWhole(byte[][] args, ClientCommandVerdict verdict, ref Batch batch)
        {
            if (verdict.Action == ClientCommandAction.ReadWhole)
            {
                batch.Written += ClientAuthRewrite.Write(args, Gate, _authCommand, batch.Output, out byte[]? localReply);
                if (localReply != null)
                {
                    LocalReply?.Invoke(CommandsStarted, localReply);
                }

                CommandsStarted++;
            }
            else
            {
                Decided(verdict, ref batch);
                if (verdict.Action == ClientCommandAction.Relay)
                {
                    var arguments = new ReadOnlyMemory<byte>[args.Length];
                    for (int i = 0; i < args.Length; i++)
                    {
                        arguments[i] = args[i];
                    }

                    batch.Written += ClientAuthRewrite.WriteCommand(arguments, batch.Output);
                }
            }

            Interlocked.Increment(ref _completed);
        }

        /// <summary>What every command decided about gets: its ordinal, its refusal answered or its EXEC turned into DISCARD.</summary>
        private void Decided(ClientCommandVerdict verdict, ref Batch batch)
        {
            if (verdict.Action == ClientCommandAction.Refuse)
            {
                LocalReply?.Invoke(CommandsStarted, ClientAuthRewrite.ErrorReply(verdict.Refusal!));
            }
            else if (verdict.Action == ClientCommandAction.Discard)
            {
                batch.Output.Write(DiscardCommand);
                batch.Written += DiscardCommand.Length;
            }

            if (verdict.Kind != ClientCommandKind.Other)
            {
                Notable?.Invoke(CommandsStarted, verdict.Kind);
            }

            CommandsStarted++;
        }

        /// <summary>After an element passed: when it ended the command, the command is complete.</summary>
        private void AfterStep()
        {
            if (!_scanner.InFrame)
            {
                _dropping = false;
                Interlocked.Increment(ref _completed);
            }
        }

        /// <summary>
        /// Reads one argument whole into <paramref name="destination"/>. Returns its length, -1 when it has not fully
        /// arrived, or -2 when it is longer than the destination (then it is not a word of interest and streams on).
        /// </summary>
        private static int TryReadWord(ref RespStreamScanner scanner, ref RespBufferReader reader, scoped Span<byte> destination)
        {
            if (scanner.Next(ref reader, out _) == RespScanStep.NeedMore)
            {
                return -1;
            }

            return scanner.TryCopyPayload(ref reader, destination);
        }

        /// <summary>The input and output of one <see cref="Process"/> call, and how far the input has been copied on.</summary>
        private struct Batch
        {
            public Batch(ReadOnlySequence<byte> input, IBufferWriter<byte> output, long passStart)
            {
                Input = input;
                Output = output;
                PassStart = passStart;
                Written = 0;
            }

            public ReadOnlySequence<byte> Input { get; }

            public IBufferWriter<byte> Output { get; }

            public long PassStart { get; set; }

            public long Written { get; set; }

            /// <summary>Copies on the input not yet copied, up to <paramref name="offset"/>.</summary>
            public void PassTo(long offset)
            {
                Written += RelayBytes.Copy(Input, PassStart, offset - PassStart, Output);
                PassStart = offset;
            }
        }
    }
}
