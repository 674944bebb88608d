using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.IO.Pipelines;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Tunnel.Hosting;

namespace RedisCluster.Engine.Tunnel.Smart
{
    /// <summary>
    /// Keyspace notifications for a subscribed smart-mode client. A node publishes the events of its own keys
    /// to its own subscribers only (the cluster bus carries PUBLISH, not these), so a client subscribed on one
    /// primary would see a third of them. Once the client subscribes to something that can match a
    /// <c>__keyspace@</c> or <c>__keyevent@</c> channel, its SUBSCRIBE family commands also go to every other
    /// primary, and from those only the keyspace messages are relayed (anything else arrives from the home node
    /// already). A subscription is confirmed to the client only after the other primaries have it too.
    /// </summary>
    internal sealed class SmartKeyspaceEvents : IDisposable
    {
        private readonly TunnelContext _context;
        private readonly IReadOnlyList<RedisEndpoint> _others;
        private readonly int _protocol;
        private readonly SmartClientWrites _clientWrites;
        private List<Node>? _nodes;

        /// <param name="others">The primaries other than the client's subscription node.</param>
        /// <param name="clientWrites">Shared by whoever writes to the client, so that frames never interleave.</param>
        public SmartKeyspaceEvents(TunnelContext context, IReadOnlyList<RedisEndpoint> others, int protocol, SmartClientWrites clientWrites)
        {
            _context = context;
            _others = others;
            _protocol = protocol;
            _clientWrites = clientWrites;
        }

        /// <summary>
        /// Passes a (P)SUBSCRIBE or (P)UNSUBSCRIBE on to the other primaries when keyspace events may be asked
        /// for, before the home node sees it; waits for their confirmations of a subscription.
        /// </summary>
        public async Task ForwardAsync(string name, byte[][] command, PipeWriter client, CancellationToken abort)
        {
            bool subscribe = name == "SUBSCRIBE" || name == "PSUBSCRIBE";
            if (!subscribe && name != "UNSUBSCRIBE" && name != "PUNSUBSCRIBE")
            {
                return;
            }

            if (_nodes == null)
            {
                if (!subscribe || !MayMatchKeyspace(command))
                {
                    return;
                }

                _nodes = await OpenAsync(client, abort).ConfigureAwait(false);
            }

            foreach (Node node in _nodes)
            {
                await node.SendAsync(command, abort).ConfigureAwait(false);
            }

            if (subscribe)
            {
                foreach (Node node in _nodes)
                {
                    for (int i = 1; i < command.Length; i++)
                    {
                        Task confirmed = node.Confirmed.WaitAsync(abort);
                        if (await Task.WhenAny(confirmed, node.Pump).ConfigureAwait(false) != confirmed)
                        {
                            break;
                        }
                    }
                }
            }
        }

        public void Dispose()
        {
            foreach (Node node in _nodes ?? new List<Node>())
            {
                QuietCleanup.Dispose(node.Stream);
            }
        }

        /// <summary>A channel in the keyspace namespaces, or a pattern that may match one.</summary>
        private static bool MayMatchKeyspace(byte[][] command)
        {
            for (int i = 1; i < command.Length; i++)
            {
                string channel = Encoding.UTF8.GetString(command[i]);
                if (channel.StartsWith("__keyspace@", StringComparison.Ordinal) || channel.StartsWith("__keyevent@", StringComparison.Ordinal)
                    || (channel.Length > 0 && "*?[\\_".IndexOf(channel[0]) >= 0))
                {
                    return true;
                }
            }

            return false;
        }

        private async Task<List<Node>> OpenAsync(PipeWriter client, CancellationToken abort)
        {
            var nodes = new List<Node>();
            foreach (RedisEndpoint endpoint in _others)
            {
                Stream stream;
                try
                {
                    stream = await _context.Opener.OpenAsync(endpoint, abort).ConfigureAwait(false);
                }
                catch (RedisException ex)
                {
                    _context.Log.Warning("Tunnel: keyspace notifications of " + endpoint + " cannot reach a subscribed smart client: " + ErrorLines.OneLine(ex.Message));
                    continue;
                }

                _context.Statistics.UpstreamOpened();
                var node = new Node(stream);
                if (_protocol == 3)
                {
                    // Pushes for a RESP3 client; the HELLO reply is dropped like every non-keyspace frame.
                    await node.SendAsync(new[] { Encoding.ASCII.GetBytes("HELLO"), Encoding.ASCII.GetBytes("3") }, abort).ConfigureAwait(false);
                }

                node.Pump = PumpAsync(node, client, abort);
                nodes.Add(node);
            }

            return nodes;
        }

        /// <summary>Relays the keyspace messages of one other primary; counts its subscription confirmations.</summary>
        private async Task PumpAsync(Node node, PipeWriter client, CancellationToken abort)
        {
            PipeReader reader = StreamPipes.Reader(node.Stream, 4096, 4096, leaveOpen: true);
            RespLimits limits = _context.Connection.Limits;
            var output = new GrowableBuffer(1024);
            try
            {
                while (true)
                {
                    ReadResult result = await reader.ReadAsync(abort).ConfigureAwait(false);
                    ReadOnlySequence<byte> buffer = result.Buffer;
                    while (RespReader.TryRead(buffer, limits, out RespValue frame, out SequencePosition end))
                    {
                        buffer = buffer.Slice(end);
                        string kind = frame.IsAggregate && frame.Items.Count >= 3 ? (frame.Items[0].GetString() ?? string.Empty) : string.Empty;
                        if (kind == "subscribe" || kind == "psubscribe")
                        {
                            node.Confirmed.Release();
                        }
                        else if ((kind == "message" || kind == "pmessage") && IsKeyspaceChannel(frame.Items[kind == "message" ? 1 : 2]))
                        {
                            RespWriter.WriteValue(output, frame, _protocol);
                        }
                    }

                    reader.AdvanceTo(buffer.Start, buffer.End);
                    await _clientWrites.FlushAsync(client, output, abort).ConfigureAwait(false);

                    if (result.IsCompleted || result.IsCanceled)
                    {
                        return;
                    }
                }
            }
            catch (Exception ex) when (ex is IOException || ex is ObjectDisposedException || ex is OperationCanceledException || ex is RespProtocolException || ex is InvalidOperationException)
            {
                // The connection or the client went away; the home node's subscription decides what happens next.
            }
            finally
            {
                QuietCleanup.Dispose(node.Stream);
                _context.Statistics.UpstreamClosed();
            }
        }

        private static bool IsKeyspaceChannel(RespValue channel)
        {
            string text = channel.GetString() ?? string.Empty;
            return text.StartsWith("__keyspace@", StringComparison.Ordinal) || text.StartsWith("__keyevent@", StringComparison.Ordinal);
        }

        private sealed class Node
        {
            public Node(Stream stream)
            {
                Stream = stream;
            }

            public Stream Stream { get; }

            public Task Pump { get; set; } = Task.CompletedTask;

            /// <summary>Released once per channel or pattern the node confirmed.</summary>
            public SemaphoreSlim Confirmed { get; } = new SemaphoreSlim(0);

            public Task SendAsync(byte[][] command, CancellationToken abort) => SmartSubscription.WriteCommandAsync(Stream, command, abort);
        }
    }
}
