using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Client.PubSub;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Client.Monitoring
{
    /// <summary>
    /// Streams what nodes execute (MONITOR), on a dedicated connection per node: once MONITOR is on, a connection
    /// sends nothing but lines and takes no other command, so it can be neither pooled nor shared. The lines of every
    /// node reach the consumer through one bounded queue (<see cref="TryReceive"/>); what does not fit is dropped and
    /// counted, because a busy server writes lines far faster than a terminal prints them, and a reader that stops
    /// reading makes the server buffer them instead, up to its client output limit.
    /// </summary>
    public sealed class RedisMonitor : IDisposable
    {
        private const int MaxQueuedLines = 10000;
        private const long MaxQueuedBytes = 16L * 1024 * 1024;

        private static readonly RedisCommand Monitor = RedisCommand.Create("MONITOR");

        private readonly MessageQueue<MonitorLine> _queue = new MessageQueue<MonitorLine>(MaxQueuedLines, MaxQueuedBytes, l => l.Text.Length);
        private readonly List<RedisConnection> _connections = new List<RedisConnection>();
        private readonly IRedisLog _log;
        private int _streaming;
        private int _disposed;

        private RedisMonitor(IRedisLog log)
        {
            _log = log;
        }

        /// <summary>Lines dropped because the consumer did not keep up.</summary>
        public long Dropped => _queue.Dropped;

        /// <summary>How many nodes are still streaming; 0 once every connection closed.</summary>
        public int Streaming => Volatile.Read(ref _streaming);

        /// <summary>
        /// Opens a connection to each of <paramref name="nodes"/> (with the client's TLS, credentials and protocol), turns
        /// MONITOR on, and returns once every node confirmed it, so that a command any node executes after this returns is
        /// seen. Throws the server's refusal (an ACL without MONITOR) or the connection error, with every connection closed.
        /// </summary>
        public static async Task<RedisMonitor> StartAsync(RedisClient client, IReadOnlyList<RedisEndpoint> nodes, CancellationToken cancellationToken = default)
        {
            if (client == null)
            {
                throw new ArgumentNullException(nameof(client));
            }

            if (nodes == null || nodes.Count == 0)
            {
                throw new ArgumentException("MONITOR needs at least one node.", nameof(nodes));
            }

            var monitor = new RedisMonitor(client.Options.Log);
            var connector = new TransportConnector(client.Options.Connection);
            try
            {
                await Task.WhenAll(nodes.Distinct().Select(node => monitor.StartOnAsync(node, connector, cancellationToken))).ConfigureAwait(false);
                return monitor;
            }
            catch
            {
                monitor.Dispose();
                throw;
            }
        }

        /// <summary>Takes the oldest line, waiting up to <paramref name="wait"/>; throws when <paramref name="cancellationToken"/> is cancelled.</summary>
        public bool TryReceive(TimeSpan wait, CancellationToken cancellationToken, out MonitorLine? line)
            => _queue.TryTake(wait, cancellationToken, out line);

        private async Task StartOnAsync(RedisEndpoint node, TransportConnector connector, CancellationToken cancellationToken)
        {
            RedisConnection connection = await RedisConnection.ConnectAsync(node, connector, cancellationToken).ConfigureAwait(false);
            lock (_connections)
            {
                if (Volatile.Read(ref _disposed) != 0)
                {
                    connection.Dispose();
                    throw new OperationCanceledException(cancellationToken);
                }

                _connections.Add(connection);
            }

            // MONITOR answers +OK and then one status line per command; none of it answers a queued request.
            var started = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            connection.UnrequestedReply = (c, value) => OnReply(c, value, started);
            connection.Broken += (c, reason) => OnBroken(c, reason, started);
            Interlocked.Increment(ref _streaming);
            if (!connection.IsConnected)
            {
                OnBroken(connection, connection.Failure ?? new ObjectDisposedException(nameof(RedisConnection)), started);
            }

            await connection.SendRawAsync(output =>
            {
                RespWriter.WriteCommand(output, Monitor.Arguments);
                return 0;
            }, null, Monitor, cancellationToken).ConfigureAwait(false);
            await TaskWaiting.WaitAsync(started.Task, cancellationToken).ConfigureAwait(false);
        }

        private void OnReply(RedisConnection connection, RespValue value, TaskCompletionSource<bool> started)
        {
            if (!started.Task.IsCompleted)
            {
                if (value.IsError)
                {
                    started.TrySetException(new RedisServerErrorException(value.GetString() ?? "ERR", Monitor.ToDisplayString()));
                    return;
                }

                started.TrySetResult(true);
                return;
            }

            string text = value.GetString() ?? string.Empty;
            if (_queue.Add(new MonitorLine(connection.Endpoint, text), out _))
            {
                _log.Warning("MONITOR lines arrive faster than they are shown; new ones are dropped until the display catches up ("
                    + Dropped.ToString(CultureInfo.InvariantCulture) + " dropped so far).");
            }
        }

        private void OnBroken(RedisConnection connection, Exception reason, TaskCompletionSource<bool> started)
        {
            Interlocked.Decrement(ref _streaming);
            if (started.TrySetException(reason) || Volatile.Read(ref _disposed) != 0)
            {
                return;
            }

            _log.Warning("MONITOR of " + connection.Endpoint + " ended: " + reason.Message);
        }

        /// <summary>Closes every connection, which ends MONITOR on the servers.</summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            List<RedisConnection> connections;
            lock (_connections)
            {
                connections = _connections.ToList();
                _connections.Clear();
            }

            foreach (RedisConnection connection in connections)
            {
                connection.Dispose();
            }
        }
    }
}
