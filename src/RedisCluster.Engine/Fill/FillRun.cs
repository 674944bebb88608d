using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Client;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Routing;

namespace RedisCluster.Engine.Fill
{
    /// <summary>
    /// Loads a given amount of random data into a server or into every primary of a cluster, as fast
    /// as the servers take it: pipelined, fire-and-forget by default, each connection writing only
    /// keys its node owns. Afterwards it checks what arrived, because fire-and-forget hides errors.
    /// </summary>
    public sealed class FillRun
    {
        private static readonly RedisCommand ReplyOff = RedisCommand.Create("CLIENT", "REPLY", "OFF");
        private static readonly RedisCommand ReplyOn = RedisCommand.Create("CLIENT", "REPLY", "ON");
        private static readonly RedisCommand Ping = RedisCommand.Create("PING");

        private readonly RedisClient _client;
        private readonly FillOptions _options;
        private readonly IRedisLog _log;
        private readonly Stopwatch _clock = new Stopwatch();
        private readonly List<string> _warnings = new List<string>();
        private List<FillNodePlan> _nodes = new List<FillNodePlan>();
        private volatile string _phase = "starting";
        private long _totalBytes;

        public FillRun(RedisClient client, FillOptions options, IRedisLog log)
        {
            options.Validate();
            _client = client;
            _options = options;
            _log = log;
        }

        public FillProgress Snapshot()
        {
            var nodes = _nodes;
            return new FillProgress(nodes.Sum(n => n.Bytes), nodes.Sum(n => n.Keys), _totalBytes, _clock.Elapsed,
                nodes.Select(n => new KeyValuePair<string, long>(n.Endpoint.ToString(), n.Bytes)).ToList(), _phase);
        }

        public async Task<FillResult> RunAsync(CancellationToken cancellationToken)
        {
            _nodes = await PlanNodesAsync(cancellationToken).ConfigureAwait(false);
            if (_options.Flush)
            {
                _phase = "flushing";
                await FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            int perKey = _options.KeySize + _options.ValueSize;
            long keyCount = (_options.SizeBytes + perKey - 1) / perKey;
            _totalBytes = keyCount * perKey;
            int group = _options.Shape == FillCommandShape.MSet ? Math.Max(1, _options.KeysPerCommand) : 1;
            var keyspace = new FillKeyspace(keyCount, _options.KeySize, group, _options.KeyPrefix);
            var payload = new FillPayload(_options.ValueSize, _options.Seed);
            int perNode = _options.Serial ? 1 : _options.ConnectionsPerNode ?? (_client.IsCluster ? 2 : 8);
            var counter = new FillReplyCounter();

            _phase = "writing";
            _clock.Start();
            bool completed = true;
            try
            {
                if (_options.Serial)
                {
                    foreach (FillNodePlan node in _nodes)
                    {
                        completed &= await RunWorkerAsync(node, keyspace, payload, 0, 1, counter, cancellationToken).ConfigureAwait(false);
                    }
                }
                else
                {
                    var workers = new List<Task<bool>>();
                    foreach (FillNodePlan node in _nodes)
                    {
                        for (int w = 0; w < perNode; w++)
                        {
                            workers.Add(RunWorkerAsync(node, keyspace, payload, w, perNode, counter, cancellationToken));
                        }
                    }

                    bool[] outcomes = await Task.WhenAll(workers).ConfigureAwait(false);
                    completed = outcomes.All(o => o);
                }
            }
            finally
            {
                _clock.Stop();
            }

            completed &= !cancellationToken.IsCancellationRequested;
            long written = _nodes.Sum(n => n.Keys);
            if (!_options.FireAndForget && counter.Errors > 0)
            {
                Warn(counter.Errors.ToString(CultureInfo.InvariantCulture) + " writes failed; the first error was: " + counter.FirstError);
            }

            long shortfall = 0;
            var found = new Dictionary<FillNodePlan, long?>();
            if (_options.Verify && !cancellationToken.IsCancellationRequested)
            {
                _phase = "verifying";
                shortfall = await VerifyAsync(keyspace, found, CancellationToken.None).ConfigureAwait(false);
            }

            var rows = _nodes.Select(n => new FillNodeResult(n.Endpoint.ToString(), n.Keys, n.Bytes, written > 0 ? (double)n.Keys / written : 0,
                n.Slots.Count, found.TryGetValue(n, out long? f) ? f : null)).ToList();
            string mode = _client.IsCluster ? "cluster" : "standalone";
            return new FillResult(_client.Endpoint.ToString(), mode, written, _nodes.Sum(n => n.Bytes), _clock.Elapsed,
                perNode * (_options.Serial ? 1 : _nodes.Count), rows, completed, counter.Errors, shortfall, _warnings.ToList());
        }

        private async Task<List<FillNodePlan>> PlanNodesAsync(CancellationToken cancellationToken)
        {
            if (_client is ClusterRedisClient cluster)
            {
                // Route from a fresh map: with replies off, a stale one would lose keys without a trace.
                await cluster.RefreshTopologyAsync(cancellationToken).ConfigureAwait(false);
                var plans = new List<FillNodePlan>();
                foreach (ClusterNode primary in cluster.Topology.Primaries)
                {
                    var slots = new List<int>();
                    foreach (SlotRange range in primary.Slots)
                    {
                        for (int s = range.Start; s <= range.End; s++)
                        {
                            slots.Add(s);
                        }
                    }

                    if (slots.Count > 0 && primary.Endpoint != null)
                    {
                        slots.Sort();
                        plans.Add(new FillNodePlan(primary.Endpoint, slots));
                    }
                }

                if (plans.Count == 0)
                {
                    throw new RedisTargetException("The cluster at " + _client.Endpoint + " has no primary that owns slots; nothing can be written.");
                }

                return plans;
            }

            string role = _client.Hello.Role;
            if (role == "replica" || role == "slave")
            {
                throw new RedisTargetException("The server " + _client.Endpoint + " is a replica, which is read-only; point the fill at its primary.");
            }

            return new List<FillNodePlan> { new FillNodePlan(_client.Endpoint, Enumerable.Range(0, HashSlot.Count).ToList()) };
        }

        private async Task FlushAsync(CancellationToken cancellationToken)
        {
            foreach (FillNodePlan node in _nodes)
            {
                RedisReply reply = (await _client.ExecuteOnNodeAsync(node.Endpoint, new[] { RedisCommand.Create("FLUSHALL") }, cancellationToken).ConfigureAwait(false))[0];
                if (reply.Value.IsError)
                {
                    throw new RedisServerErrorException(reply.Value.GetString() ?? "FLUSHALL failed", "FLUSHALL on " + node.Endpoint);
                }

                _log.Verbose("Flushed " + node.Endpoint + ".");
            }
        }

        private async Task<bool> RunWorkerAsync(FillNodePlan node, FillKeyspace keyspace, FillPayload payload, int worker, int workers,
            FillReplyCounter counter, CancellationToken cancellationToken)
        {
            var writer = new FillWriter(keyspace, payload, node, _options.Shape, worker, workers, _options.ValueSize);
            RedisConnection? connection = null;
            try
            {
                // A connection of its own: CLIENT REPLY OFF is connection state that must not leak into a pool.
                connection = await RedisConnection.ConnectAsync(node.Endpoint, new TransportConnector(_client.Options.Connection), cancellationToken).ConfigureAwait(false);
                if (_options.FireAndForget)
                {
                    await connection.SendRawAsync(w =>
                    {
                        RespWriter.WriteCommand(w, ReplyOff.Arguments);
                        return 0;
                    }, null, ReplyOff, cancellationToken).ConfigureAwait(false);
                }

                IReplySink? sink = _options.FireAndForget ? null : counter;
                while (!writer.Done && !cancellationToken.IsCancellationRequested)
                {
                    long keys = 0, bytes = 0;
                    await connection.SendRawAsync(w =>
                    {
                        int commands = writer.Write(w, _options.BatchSize, out keys, out bytes);
                        return _options.FireAndForget ? 0 : commands;
                    }, sink, Ping, cancellationToken).ConfigureAwait(false);
                    node.Add(keys, bytes);
                }

                if (cancellationToken.IsCancellationRequested)
                {
                    return false;
                }

                // The barrier: its reply comes only after the server has processed everything before it.
                RespValue barrier = await connection.ExecuteAsync(_options.FireAndForget ? ReplyOn : Ping, CancellationToken.None).ConfigureAwait(false);
                if (barrier.IsError)
                {
                    Warn("The closing barrier on " + node.Endpoint + " failed: " + barrier.GetString());
                }

                return true;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
            catch (RedisConnectionException ex)
            {
                Warn("Node " + node.Endpoint + " failed during the fill after " + node.Keys.ToString(CultureInfo.InvariantCulture)
                    + " keys; its worker stopped: " + ex.Message);
                return false;
            }
            finally
            {
                connection?.Dispose();
            }
        }

        private async Task<long> VerifyAsync(FillKeyspace keyspace, Dictionary<FillNodePlan, long?> found, CancellationToken cancellationToken)
        {
            long shortfall = 0;
            foreach (FillNodePlan node in _nodes)
            {
                try
                {
                    var samples = SampleKeys(keyspace, node);

                    // One EXISTS per key: in a cluster, the samples sit in different slots.
                    var commands = new List<RedisCommand> { RedisCommand.Create("DBSIZE") };
                    commands.AddRange(samples.Select(k => RedisCommand.Create("EXISTS", k)));
                    IReadOnlyList<RedisReply> replies = await _client.ExecuteOnNodeAsync(node.Endpoint, commands, cancellationToken).ConfigureAwait(false);
                    RedisReply failed = replies.FirstOrDefault(r => r.Value.IsError);
                    if (failed != null)
                    {
                        Warn("Could not verify " + node.Endpoint + ": " + failed.Command.Name + " answered " + failed.Value.GetString());
                        continue;
                    }

                    long dbsize = replies[0].Value.Integer;
                    long present = replies.Skip(1).Sum(r => r.Value.Integer);
                    found[node] = dbsize;
                    long missing = 0;
                    if (_options.Flush && dbsize < node.Keys)
                    {
                        missing = node.Keys - dbsize;
                    }
                    else if (present < samples.Count)
                    {
                        missing = samples.Count - present;
                    }

                    if (missing > 0)
                    {
                        shortfall += missing;
                        string cause = await DiagnoseAsync(node, cancellationToken).ConfigureAwait(false);
                        Warn(node.Endpoint + " holds fewer keys than were written to it ("
                            + (_options.Flush ? dbsize.ToString(CultureInfo.InvariantCulture) + " of " + node.Keys.ToString(CultureInfo.InvariantCulture)
                                : present + " of " + samples.Count + " sampled keys found") + "). " + cause);
                    }
                }
                catch (RedisException ex)
                {
                    Warn("Could not verify " + node.Endpoint + ": " + ex.Message);
                }
            }

            return shortfall;
        }

        /// <summary>Up to 16 keys this node received: the first group of each of its first slots in round 0.</summary>
        private static List<string> SampleKeys(FillKeyspace keyspace, FillNodePlan node)
        {
            var samples = new List<string>();
            if (node.Keys == 0)
            {
                return samples;
            }

            foreach (int slot in node.Slots)
            {
                long group = FillKeyspace.PositionOfSlot(slot);
                if (group < keyspace.GroupCount)
                {
                    samples.Add(keyspace.KeyText(group * keyspace.Group));
                    if (samples.Count >= 16)
                    {
                        break;
                    }
                }
            }

            return samples;
        }

        private async Task<string> DiagnoseAsync(FillNodePlan node, CancellationToken cancellationToken)
        {
            IReadOnlyList<RedisReply> info = await _client.ExecuteOnNodeAsync(node.Endpoint,
                new[] { RedisCommand.Create("INFO", "memory"), RedisCommand.Create("INFO", "stats") }, cancellationToken).ConfigureAwait(false);
            var fields = ConnectionHandshake.ParseInfo((info[0].Value.GetString() ?? string.Empty) + "\n" + (info[1].Value.GetString() ?? string.Empty));
            fields.TryGetValue("maxmemory", out string? maxmemory);
            fields.TryGetValue("maxmemory_policy", out string? policy);
            fields.TryGetValue("evicted_keys", out string? evicted);
            if (evicted != null && evicted != "0")
            {
                return "The server evicted " + evicted + " keys under maxmemory-policy " + policy + " (maxmemory " + maxmemory + " bytes).";
            }

            if (maxmemory != null && maxmemory != "0")
            {
                return "The server reached maxmemory (" + maxmemory + " bytes, policy " + policy
                    + ") and refused writes with OOM errors" + (_options.FireAndForget ? ", which fire-and-forget hides; raise maxmemory or fill less, and use -WithReplies to count refusals." : "; raise maxmemory or fill less.");
            }

            return _options.FireAndForget
                ? "Writes were rejected without a trace (fire-and-forget hides errors such as MOVED after a topology change); run again with -WithReplies to see them."
                : "The errors counted above explain it.";
        }

        private void Warn(string message)
        {
            lock (_warnings)
            {
                _warnings.Add(message);
            }

            _log.Warning(message);
        }
    }
}
