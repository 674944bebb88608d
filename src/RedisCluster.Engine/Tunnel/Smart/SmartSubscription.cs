using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.IO.Pipelines;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Tunnel.Hosting;

namespace RedisCluster.Engine.Tunnel.Smart
{
    /// <summary>
    /// A smart-mode client while it is subscribed: its commands go to a connection of its own (classic
    /// pub/sub is cluster-wide, so any primary will do; shard channels need their slot's primary), and
    /// everything that connection sends (confirmations, messages) is relayed in the client's protocol.
    /// After each UNSUBSCRIBE-family command a PING with a marker is sent; its reply, swallowed here, tells
    /// exactly when every reply before it has been relayed, so the client returns to the shared cluster
    /// client at the right command once it is subscribed to nothing.
    /// </summary>
    internal sealed class SmartSubscription
    {
        private const string MarkerPrefix = "__smart_tunnel_marker_";

        private readonly TunnelContext _context;
        private readonly Stream _upstream;
        private readonly Func<byte[][], RespValue> _hello;
        private readonly SmartClientState _client;
        private readonly Queue<(RespValue Answer, int Protocol)> _hellos = new Queue<(RespValue, int)>();
        private volatile int _protocol;
        private readonly TunnelClientGate? _access;
        private readonly IReadOnlyList<RedisEndpoint> _otherPrimaries;
        private readonly SmartClientWrites _clientWrites;
        private readonly object _gate = new object();
        private TaskCompletionSource<bool>? _markerSeen;
        private long _count = -1;
        private int _skip;
        private int _markers;
        private int _finished;

        /// <param name="otherPrimaries">For classic pub/sub, the primaries other than <paramref name="upstream"/>'s, whose keyspace notifications the client may ask for.</param>
        /// <param name="clientWrites">The session's gate on the client's writer, which invalidation messages also take.</param>
        /// <param name="hello">The session's own answer to HELLO (which also switches its protocol).</param>
        public SmartSubscription(TunnelContext context, Stream upstream, int protocol, TunnelClientGate? access, IReadOnlyList<RedisEndpoint> otherPrimaries,
            SmartClientWrites clientWrites, Func<byte[][], RespValue> hello, SmartClientState client)
        {
            _hello = hello;
            _client = client;
            _otherPrimaries = otherPrimaries;
            _access = access;
            _context = context;
            _clientWrites = clientWrites;
            _upstream = upstream;
            _protocol = protocol;
        }

        /// <summary>
        /// Relays until the client is subscribed to nothing (returns the commands it sent after that, to run
        /// as usual) or the connection should close (returns null).
        /// </summary>
        public async Task<List<byte[][]>?> RunAsync(PipeReader client, PipeWriter clientOut, List<byte[][]> initial, CancellationToken stopReading, CancellationToken abort)
        {
            PipeReader upstreamReader = StreamPipes.Reader(_upstream, 4096, 4096, leaveOpen: true);
            using var keyspace = new SmartKeyspaceEvents(_context, _otherPrimaries, _protocol, _clientWrites);
            var queue = new Queue<byte[][]>(initial);
            if (_protocol == 3)
            {
                // The dedicated connection starts in RESP2; the client speaks RESP3, whose pushes carry the messages.
                await SendAsync(new[] { Encoding.ASCII.GetBytes("HELLO"), Encoding.ASCII.GetBytes("3") }, abort).ConfigureAwait(false);
                _skip = 1;
            }

            Task pump = PumpAsync(upstreamReader, clientOut, abort);
            // An upstream that goes away must also end the wait for the client's next command; once this
            // relay has finished normally the client's reader belongs to the session again and is left alone.
            _ = pump.ContinueWith(_ =>
            {
                if (Volatile.Read(ref _finished) == 0)
                {
                    client.CancelPendingRead();
                }
            }, TaskScheduler.Default);
            try
            {
                RespLimits limits = _context.Options.ClientLimits;
                while (true)
                {
                    byte[][]? command = null;
                    if (queue.Count > 0)
                    {
                        command = queue.Dequeue();
                    }
                    else
                    {
                        ReadResult result = await client.ReadAsync(stopReading).ConfigureAwait(false);
                        ReadOnlySequence<byte> buffer = result.Buffer;
                        bool parsed;
                        try
                        {
                            parsed = CommandReader.TryRead(ref buffer, limits, out command);
                        }
                        catch (RespProtocolException ex)
                        {
                            _context.Statistics.Error();
                            _context.Log.Warning("Tunnel: a subscribed smart client sent invalid RESP (" + ex.Message + "); disconnected.");
                            return null;
                        }

                        client.AdvanceTo(buffer.Start, parsed ? buffer.Start : buffer.End);
                        if (!parsed)
                        {
                            if (result.IsCompleted || result.IsCanceled || pump.IsCompleted)
                            {
                                return null;
                            }

                            continue;
                        }

                        if (command == null)
                        {
                            continue;
                        }

                        _context.Statistics.AddToServer(0, 1);
                    }

                    string name = Encoding.UTF8.GetString(command[0]).ToUpperInvariant();
                    if (_access != null && (name == "AUTH" || name == "HELLO" || _access.Admit(name, command) != null))
                    {
                        // Replies here come straight from the subscription connection, so a refusal cannot be
                        // slotted in among them; a tunnel with a password or deny list closes the client instead.
                        _context.Statistics.Error();
                        _context.Log.Warning("Tunnel: a subscribed smart client sent " + name + ", which the tunnel's access rules do not allow while subscribed; disconnected.");
                        return null;
                    }

                    if (_protocol == 3 && SmartReplySwitch.IsClientReply(name, command) && command.Length == 3 && CommandNames.Of(command[2]) != "ON")
                    {
                        // Not passed on: silenced, the marker PING after an UNSUBSCRIBE would never be answered.
                        // Messages and confirmations are pushes, which CLIENT REPLY never silences.
                        continue;
                    }

                    if (name == "HELLO" && _protocol == 3 && await HelloAsync(command, clientOut, abort).ConfigureAwait(false))
                    {
                        continue;
                    }

                    await keyspace.ForwardAsync(name, command, clientOut, abort).ConfigureAwait(false);
                    _client.Quitting |= name == "QUIT";
                    await SendAsync(command, abort).ConfigureAwait(false);
                    if (name == "QUIT")
                    {
                        await Task.WhenAny(pump, Task.Delay(_context.Options.DrainTimeout)).ConfigureAwait(false);
                        return null;
                    }

                    if (name == "UNSUBSCRIBE" || name == "PUNSUBSCRIBE" || name == "SUNSUBSCRIBE")
                    {
                        var seen = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                        lock (_gate)
                        {
                            _markerSeen = seen;
                        }

                        string marker = MarkerPrefix + (++_markers).ToString(System.Globalization.CultureInfo.InvariantCulture);
                        await SendAsync(new[] { Encoding.ASCII.GetBytes("PING"), Encoding.ASCII.GetBytes(marker) }, abort).ConfigureAwait(false);
                        if (await Task.WhenAny(seen.Task, pump).ConfigureAwait(false) != seen.Task)
                        {
                            return null;
                        }

                        if (Interlocked.Read(ref _count) == 0)
                        {
                            var rest = new List<byte[][]>(queue);
                            return rest;
                        }
                    }
                }
            }
            finally
            {
                Volatile.Write(ref _finished, 1);
                upstreamReader.CancelPendingRead();
                await Task.WhenAny(pump, Task.Delay(1000)).ConfigureAwait(false);
                try
                {
                    upstreamReader.Complete();
                }
                catch (InvalidOperationException)
                {
                }

                _upstream.Dispose();
            }
        }

        private Task SendAsync(byte[][] command, CancellationToken abort) => WriteCommandAsync(_upstream, command, abort);

        /// <summary>
        /// HELLO while subscribed (RESP3 allows it): the connection's protocol changes for the messages after it, so the
        /// node gets HELLO with the version alone, and its reply (the node's own id and cluster mode) is swapped in the
        /// pump for the answer of the one server the tunnel presents. False when the node should answer it as it is.
        /// </summary>
        private async Task<bool> HelloAsync(byte[][] command, PipeWriter clientOut, CancellationToken abort)
        {
            RespValue answer = _hello(command);
            if (answer.IsError)
            {
                var output = new GrowableBuffer(128);
                RespWriter.WriteValue(output, answer, _protocol);
                await _clientWrites.FlushAsync(clientOut, output, abort).ConfigureAwait(false);
                return true;
            }

            if (command.Length < 2)
            {
                return false;
            }

            int protocol = command[1][0] - '0';
            lock (_gate)
            {
                _hellos.Enqueue((answer, protocol));
            }

            await SendAsync(new[] { command[0], command[1] }, abort).ConfigureAwait(false);
            return true;
        }

        /// <summary>The node's reply to a HELLO sent by <see cref="HelloAsync"/>, switched for the tunnel's answer; null for any other frame.</summary>
        private RespValue? TakeHello(RespValue frame)
        {
            bool isHello = (frame.Type == RespType.Map || frame.Type == RespType.Array) && frame.Items.Count > 1 && frame.Items[0].GetString() == "server";
            lock (_gate)
            {
                if (!isHello || _hellos.Count == 0)
                {
                    return null;
                }

                (RespValue answer, int protocol) = _hellos.Dequeue();
                _protocol = protocol;
                _client.Protocol = protocol;
                return answer;
            }
        }

        /// <summary>Writes <paramref name="command"/> to a subscription connection and flushes it.</summary>
        internal static async Task WriteCommandAsync(Stream upstream, byte[][] command, CancellationToken abort)
        {
            var buffer = new GrowableBuffer(64);
            var args = new ReadOnlyMemory<byte>[command.Length];
            for (int i = 0; i < command.Length; i++)
            {
                args[i] = command[i];
            }

            RespWriter.WriteCommand(buffer, args);
            byte[] bytes = buffer.ToArray();
            await upstream.WriteAsync(bytes, 0, bytes.Length, abort).ConfigureAwait(false);
            await upstream.FlushAsync(abort).ConfigureAwait(false);
        }

        /// <summary>Relays the dedicated connection's frames to the client, noting subscription counts and markers.</summary>
        private async Task PumpAsync(PipeReader upstream, PipeWriter client, CancellationToken abort)
        {
            RespLimits limits = _context.Connection.Limits;
            var output = new GrowableBuffer(4096);
            try
            {
                while (true)
                {
                    ReadResult result = await upstream.ReadAsync(abort).ConfigureAwait(false);
                    ReadOnlySequence<byte> buffer = result.Buffer;
                    while (RespReader.TryRead(buffer, limits, out RespValue frame, out SequencePosition end))
                    {
                        buffer = buffer.Slice(end);
                        if (_skip > 0)
                        {
                            _skip--;
                            continue;
                        }

                        if (IsMarker(frame))
                        {
                            TaskCompletionSource<bool>? seen;
                            lock (_gate)
                            {
                                seen = _markerSeen;
                                _markerSeen = null;
                            }

                            seen?.TrySetResult(true);
                            continue;
                        }

                        NoteCount(frame);
                        RespWriter.WriteValue(output, TakeHello(frame) ?? frame, _protocol);
                    }

                    upstream.AdvanceTo(buffer.Start, buffer.End);
                    await _clientWrites.FlushAsync(client, output, abort).ConfigureAwait(false);

                    if (result.IsCompleted || result.IsCanceled)
                    {
                        return;
                    }
                }
            }
            catch (Exception ex) when (ex is IOException || ex is ObjectDisposedException || ex is OperationCanceledException || ex is RespProtocolException || ex is InvalidOperationException)
            {
                // The dedicated connection or the client went away: the subscription ends with it.
            }
        }

        private void NoteCount(RespValue frame)
        {
            if ((frame.Type == RespType.Array || frame.Type == RespType.Push) && frame.Items.Count >= 3 && frame.Items[2].Type == RespType.Integer)
            {
                string kind = (frame.Items[0].GetString() ?? string.Empty).ToLowerInvariant();
                if (kind.EndsWith("subscribe", StringComparison.Ordinal))
                {
                    Interlocked.Exchange(ref _count, frame.Items[2].Integer);
                }
            }
        }

        private static bool IsMarker(RespValue frame)
        {
            if (frame.Type == RespType.BulkString || frame.Type == RespType.SimpleString)
            {
                return (frame.GetString() ?? string.Empty).StartsWith(MarkerPrefix, StringComparison.Ordinal);
            }

            return (frame.Type == RespType.Array || frame.Type == RespType.Push) && frame.Items.Count == 2
                && frame.Items[0].GetString() == "pong" && (frame.Items[1].GetString() ?? string.Empty).StartsWith(MarkerPrefix, StringComparison.Ordinal);
        }
    }
}
