using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation.Host;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Client;
using RedisCluster.Engine.Client.Monitoring;
using RedisCluster.Engine.Client.PubSub;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Routing;
using RedisCluster.PowerShell.Conversion;

namespace RedisCluster.PowerShell.Cli
{
    /// <summary>
    /// Enter-RedisCli's SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE and MONITOR: what the servers stream is printed as it arrives,
    /// in redis-cli's format, until Ctrl+C returns to the prompt. Subscriptions go through a <see cref="RedisSubscriber"/>
    /// (so shard channels follow their slots on a cluster), MONITOR through a <see cref="RedisMonitor"/>; on a cluster,
    /// MONITOR watches every primary, or the one node named after it, and each line starts with the node that ran the command.
    /// </summary>
    internal sealed class CliStreams
    {
        private static readonly TimeSpan Slice = TimeSpan.FromMilliseconds(100);

        private readonly RedisClient _client;
        private readonly PSHostUserInterface _ui;
        private readonly CliInterrupt _interrupt;
        private readonly Action _printLog;

        public CliStreams(RedisClient client, PSHostUserInterface ui, CliInterrupt interrupt, Action printLog)
        {
            _client = client;
            _ui = ui;
            _interrupt = interrupt;
            _printLog = printLog;
        }

        /// <summary>True for the commands that stream: they run here rather than as one request and one reply.</summary>
        public static bool Handles(string command)
            => KindOf(command) != null || string.Equals(command, "MONITOR", StringComparison.OrdinalIgnoreCase);

        /// <summary>Runs the stream of <paramref name="arguments"/> (the command name first) until Ctrl+C or until its connections close.</summary>
        public void Run(IReadOnlyList<string> arguments)
        {
            CancellationToken interrupted = _interrupt.BeginStream();
            try
            {
                SubscriptionKind? kind = KindOf(arguments[0]);
                if (kind.HasValue)
                {
                    Subscribe(kind.Value, arguments[0].ToLowerInvariant(), arguments.Skip(1).ToList(), interrupted);
                }
                else
                {
                    Monitor(arguments.Skip(1).ToList(), interrupted);
                }
            }
            finally
            {
                _interrupt.EndStream();
            }
        }

        private void Subscribe(SubscriptionKind kind, string command, IReadOnlyList<string> names, CancellationToken interrupted)
        {
            if (names.Count == 0)
            {
                PrintError("ERR wrong number of arguments for '" + command + "' command");
                return;
            }

            _ui.WriteLine("Reading messages... (press Ctrl-C to quit)");
            using var subscriber = new RedisSubscriber(_client);
            if (!Start(subscriber.SubscribeAsync(kind, names, interrupted), "subscribe"))
            {
                return;
            }

            // The count is what the server would say on one connection: subscriptions so far.
            int count = 0;
            foreach (string name in names.Distinct(StringComparer.Ordinal))
            {
                Print(RespValue.BulkString(command), RespValue.BulkString(name), RespValue.FromInteger(++count));
            }

            string message = kind == SubscriptionKind.Pattern ? "pmessage" : kind == SubscriptionKind.ShardChannel ? "smessage" : "message";
            Pump((wait, token) => subscriber.TryReceive(wait, token, out PubSubMessage? m) ? m : null, interrupted, () => false, m =>
            {
                if (m.Pattern != null)
                {
                    Print(RespValue.BulkString(message), RespValue.BulkString(m.Pattern), RespValue.BulkString(m.Channel), RespValue.BulkString(m.Payload));
                }
                else
                {
                    Print(RespValue.BulkString(message), RespValue.BulkString(m.Channel), RespValue.BulkString(m.Payload));
                }
            });
            ReportDropped(subscriber.Dropped, "messages");
        }

        private void Monitor(IReadOnlyList<string> arguments, CancellationToken interrupted)
        {
            IReadOnlyList<RedisEndpoint>? nodes = MonitoredNodes(arguments);
            if (nodes == null)
            {
                return;
            }

            Task<RedisMonitor> starting = RedisMonitor.StartAsync(_client, nodes, interrupted);
            if (!Start(starting, "start MONITOR"))
            {
                return;
            }

            using RedisMonitor monitor = starting.Result;
            _ui.WriteLine("OK");
            bool tagged = _client.IsCluster;
            bool closed = false;
            Pump((wait, token) => monitor.TryReceive(wait, token, out MonitorLine? l) ? l : null, interrupted, () => closed = monitor.Streaming == 0,
                line => _ui.WriteLine(tagged ? line.Node + ": " + line.Text : line.Text));
            ReportDropped(monitor.Dropped, "MONITOR lines");
            if (closed)
            {
                _ui.WriteErrorLine("Error: Server closed the connection");
            }
        }

        /// <summary>Every primary of a cluster, the one node named, or the server; null (with the reason printed) for a bad node.</summary>
        private IReadOnlyList<RedisEndpoint>? MonitoredNodes(IReadOnlyList<string> arguments)
        {
            if (arguments.Count == 0)
            {
                return _client.IsCluster ? _client.GetPrimaryEndpoints() : new[] { _client.Endpoint };
            }

            if (arguments.Count > 1)
            {
                PrintError("ERR wrong number of arguments for 'monitor' command");
                return null;
            }

            if (!(_client is ClusterRedisClient cluster))
            {
                PrintError("ERR MONITOR takes a node (host:port) only on a cluster; on one server it takes no argument");
                return null;
            }

            RedisEndpoint node;
            try
            {
                node = RedisEndpoint.Parse(arguments[0]);
            }
            catch (RedisConfigurationException ex)
            {
                PrintError("ERR " + ex.Message);
                return null;
            }

            var known = cluster.Topology.Nodes.Where(n => n.Endpoint != null).Select(n => n.Endpoint!).ToList();
            if (!known.Contains(node))
            {
                PrintError("ERR " + node + " is not a node of this cluster; its nodes are " + string.Join(", ", known));
                return null;
            }

            return new[] { node };
        }

        /// <summary>Waits for a stream to start; false (with the reason printed) when it was refused, failed or interrupted.</summary>
        private bool Start(Task starting, string what)
        {
            try
            {
                while (!((IAsyncResult)starting).AsyncWaitHandle.WaitOne(Slice))
                {
                    _interrupt.Poll();
                    _printLog();
                }

                starting.GetAwaiter().GetResult();
                _printLog();
                return true;
            }
            catch (RedisServerErrorException ex)
            {
                _printLog();
                PrintError(ex.ServerMessage);
            }
            catch (OperationCanceledException)
            {
                _printLog();
            }
            catch (Exception ex) when (ex is RedisException || ex is ObjectDisposedException)
            {
                _printLog();
                _ui.WriteErrorLine("Could not " + what + ": " + ex.Message);
            }

            return false;
        }

        /// <summary>Prints what arrives until Ctrl+C, or until <paramref name="ended"/> says the source closed and nothing is left.</summary>
        private void Pump<T>(Func<TimeSpan, CancellationToken, T?> take, CancellationToken interrupted, Func<bool> ended, Action<T> print)
            where T : class
        {
            while (true)
            {
                _interrupt.Poll();
                T? item;
                try
                {
                    item = take(Slice, interrupted);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                _printLog();
                if (item != null)
                {
                    print(item);
                }
                else if (ended())
                {
                    break;
                }
            }

            _printLog();
        }

        private void ReportDropped(long dropped, string what)
        {
            if (dropped > 0)
            {
                _ui.WriteLine("-> " + dropped.ToString(CultureInfo.InvariantCulture) + " " + what + " arrived faster than they were printed and were dropped.");
            }
        }

        private void Print(params RespValue[] items) => _ui.WriteLine(CliReplyFormatter.Format(RespValue.Array(items)));

        private void PrintError(string message) => _ui.WriteLine(CliReplyFormatter.Format(RespValue.Error(message)));

        private static SubscriptionKind? KindOf(string command)
        {
            switch (command.ToUpperInvariant())
            {
                case "SUBSCRIBE":
                    return SubscriptionKind.Channel;
                case "PSUBSCRIBE":
                    return SubscriptionKind.Pattern;
                case "SSUBSCRIBE":
                    return SubscriptionKind.ShardChannel;
                default:
                    return null;
            }
        }
    }
}
