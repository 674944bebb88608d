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
            var found = new Dictionary<FillNodePlan, (long Keys, string On)>();
            if (_options.Verify && !cancellationToken.IsCancellationRequested)
            {
                _phase = "verifying";
                shortfall = await VerifyAsync(keyspace, found, CancellationToken.None).ConfigureAwait(false);
            }

            var rows = _nodes.Select(n => new FillNodeResult(n.Endpoint.ToString(), n.Keys, n.Bytes, written > 0 ? (double)n.Keys / written : 0,
                n.Slots.Count, found.TryGetValue(n, out var f) ? f.Keys : (long?)null, found.TryGetValue(n, out var g) ? g.On : null)).ToList();
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
                // Every worker of the node sees the failure; the user needs to hear it once.
                if (node.MarkFailed())
                {
                    Warn("Node " + node.Endpoint + " failed during the fill after " + node.Keys.ToString(CultureInfo.InvariantCulture)
                        + " keys had been sent to it; its workers stopped: " + ex.Message);
                }

                return false;
            }
            finally
            {
                connection?.Dispose();
            }
        }

        private async Task<long> VerifyAsync(FillKeyspace keyspace, Dictionary<FillNodePlan, (long Keys, string On)> found, CancellationToken cancellationToken)
        {
            long shortfall = 0;

            // Failed nodes first: waiting for their slots to be taken over also waits out the window in which
            // the cluster answers CLUSTERDOWN to every keyed command, the live nodes' sampled EXISTS included.
            foreach (FillNodePlan node in _nodes.OrderBy(n => n.Failed ? 0 : 1))
            {
                if (node.Failed && _client is ClusterRedisClient cluster)
                {
                    shortfall += await VerifyTakenOverAsync(cluster, keyspace, node, found, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                try
                {
                    // After a flush the key count says it all; otherwise keys that were there before the fill
                    // count too, and only a sample tells what is missing. DBSIZE is keyless, so a cluster that is
                    // down (a dead primary without a replica) still answers it.
                    var samples = _options.Flush ? new List<string>() : SampleKeys(keyspace, node);

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
                    found[node] = (dbsize, node.Endpoint.ToString());
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
                    Warn("Could not verify " + node.Endpoint + ": " + ex.Message + Unverified);
                }
            }

            return shortfall;
        }

        private const string Unverified = " Its Keys and Bytes are what was sent to it, not what it stored.";

        /// <summary>
        /// A cluster node that failed during the fill: what its slots hold on the nodes that took them over,
        /// which is all that survived of what was sent to it. Returns the keys known to be missing.
        /// </summary>
        private async Task<long> VerifyTakenOverAsync(ClusterRedisClient cluster, FillKeyspace keyspace, FillNodePlan node,
            Dictionary<FillNodePlan, (long Keys, string On)> found, CancellationToken cancellationToken)
        {
            var counted = await FillTakeoverCheck.CountAsync(cluster, node, _options.TakeoverTimeout, cancellationToken).ConfigureAwait(false);
            if (counted == null)
            {
                Warn("Could not verify " + node.Endpoint + ": no other node took its slots over within "
                    + _options.TakeoverTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture) + " s (has it a replica?)." + Unverified);
                return 0;
            }

            (long keys, string on) = counted.Value;
            found[node] = (keys, on);
            long missing;
            string detail;
            if (_options.Flush)
            {
                missing = Math.Max(0, node.Keys - keys);
                detail = "holds " + keys.ToString(CultureInfo.InvariantCulture) + " of the " + node.Keys.ToString(CultureInfo.InvariantCulture) + " keys sent to it";
            }
            else
            {
                // Keys that were there before the fill count too: only a sample tells what is missing.
                var samples = SampleKeys(keyspace, node);
                IReadOnlyList<RedisReply> replies = await _client.ExecuteBatchAsync(samples.Select(k => RedisCommand.Create("EXISTS", k)).ToList(), cancellationToken).ConfigureAwait(false);
                missing = samples.Count - replies.Where(r => !r.Value.IsError).Sum(r => r.Value.Integer);
                detail = "lacks " + missing.ToString(CultureInfo.InvariantCulture) + " of " + samples.Count.ToString(CultureInfo.InvariantCulture) + " sampled keys sent to it";
            }

            if (missing > 0)
            {
                Warn(node.Endpoint + " failed during the fill; " + on + ", which took its slots over, " + detail
                    + ": the rest had not reached the replica when the primary died" + (_options.FireAndForget ? " (writes with replies off are never acknowledged)." : "."));
            }

            return missing;
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
                ? "Writes were rejected without a trace (fire-and-forget hides errors such as CLUSTERDOWN while a failed node's slots had no owner, or MOVED after a topology change); run again with -WithReplies to see them."
                : "The errors counted above explain it.";
        }

        private void Warn(string message)
        {
            lock (_warnings)
            {
                if (_warnings.Contains(message))
                {
                    return;
                }

                _warnings.Add(message);
            }

            _log.Warning(message);
        }
    }
}
