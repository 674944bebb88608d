using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Client;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.KeyCopy
{
    /// <summary>
    /// Copies keys from any server or cluster to any other (what redis-cli --cluster import does, in both
    /// directions and between clusters): SCAN on every source primary at once, and per primary a pipeline that
    /// DUMPs the next batch while the destination RESTOREs the previous one.
    /// </summary>
    public sealed class KeyCopyRun
    {
        private readonly RedisClient _source;
        private readonly RedisClient _destination;
        private readonly KeyCopyOptions _options;
        private readonly KeyCopyFailures _failures;
        private readonly KeyCopyTransfer _transfer;
        private readonly Stopwatch _clock = new Stopwatch();
        private IReadOnlyList<KeyCopyNodeCounters> _nodes = Array.Empty<KeyCopyNodeCounters>();
        private long? _estimatedTotal;

        public KeyCopyRun(RedisClient source, RedisClient destination, KeyCopyOptions options)
        {
            _source = source ?? throw new ArgumentNullException(nameof(source));
            _destination = destination ?? throw new ArgumentNullException(nameof(destination));
            _options = options ?? throw new ArgumentNullException(nameof(options));
            _options.Validate();
            _failures = new KeyCopyFailures(options.FailuresReported);
            _transfer = new KeyCopyTransfer(source, destination, options, _failures);
        }

        /// <summary>Per-key failures so far, all of them (only the first <see cref="KeyCopyOptions.FailuresReported"/> keep their message).</summary>
        public long FailureCount => _failures.Count;

        /// <summary>The next kept per-key failure, for the caller to report (from any thread).</summary>
        public bool TryTakeFailure(out KeyCopyFailure? failure) => _failures.TryTake(out failure);

        public KeyCopyProgress Snapshot()
        {
            IReadOnlyList<KeyCopyNodeCounters> nodes = Volatile.Read(ref _nodes);
            return new KeyCopyProgress(nodes.Sum(n => n.Done), nodes.Sum(n => n.Copied), _estimatedTotal, _clock.Elapsed);
        }

        /// <summary>
        /// Runs the copy. Stopped through <paramref name="cancellationToken"/>, it returns what was done so far with
        /// <see cref="KeyCopyResult.Completed"/> false; a failure of a whole node or a refusal throws.
        /// </summary>
        public async Task<KeyCopyResult> RunAsync(CancellationToken cancellationToken)
        {
            IReadOnlyList<RedisEndpoint> sourceNodes = _source.GetPrimaryEndpoints();
            await RefuseSameServerAsync(sourceNodes, cancellationToken).ConfigureAwait(false);
            if (_options.Pattern == "*" && _options.Type == null)
            {
                _estimatedTotal = await CountKeysAsync(sourceNodes, cancellationToken).ConfigureAwait(false);
            }

            var counters = sourceNodes.Select(n => new KeyCopyNodeCounters(n.ToString())).ToList();
            Volatile.Write(ref _nodes, counters);
            _clock.Start();
            bool completed = true;
            using (var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                var loops = new List<Task>();
                for (int i = 0; i < sourceNodes.Count; i++)
                {
                    loops.Add(CopyNodeAsync(sourceNodes[i], counters[i], stop));
                }

                try
                {
                    await Task.WhenAll(loops).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    completed = false;
                }
                catch
                {
                    // One node's failure stopped the others; report that failure, not their cancellations.
                    Exception? first = loops.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!)
                        .FirstOrDefault(e => !(e is OperationCanceledException));
                    if (first != null)
                    {
                        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw();
                    }

                    throw;
                }
            }

            _clock.Stop();
            return new KeyCopyResult(Describe(_source), Describe(_destination), counters.Select(c => c.ToResult()).ToList(), _clock.Elapsed, completed, _options.Delete);
        }

        private async Task CopyNodeAsync(RedisEndpoint node, KeyCopyNodeCounters counters, CancellationTokenSource stop)
        {
            CancellationToken token = stop.Token;
            Task? restoring = null;
            try
            {
                string cursor = "0";
                do
                {
                    RespValue scan = await ScanAsync(node, cursor, token).ConfigureAwait(false);
                    cursor = scan.Items[0].GetString() ?? "0";
                    IReadOnlyList<RespValue> found = scan.Items[1].Items;
                    for (int start = 0; start < found.Count; start += _options.BatchSize)
                    {
                        var keys = new List<byte[]>(Math.Min(_options.BatchSize, found.Count - start));
                        for (int i = start; i < found.Count && i < start + _options.BatchSize; i++)
                        {
                            keys.Add(found[i].GetBytes() ?? Array.Empty<byte>());
                        }

                        // DUMP this batch on the source while the destination still RESTOREs the previous one.
                        DumpedBatch dumped = await _transfer.DumpAsync(keys, token).ConfigureAwait(false);
                        if (restoring != null)
                        {
                            await restoring.ConfigureAwait(false);
                        }

                        restoring = _transfer.RestoreAsync(dumped, counters, token);
                    }
                }
                while (cursor != "0");

                if (restoring != null)
                {
                    await restoring.ConfigureAwait(false);
                    restoring = null;
                }
            }
            catch
            {
                stop.Cancel();
                if (restoring != null)
                {
                    // Observed here so that its failure, if any, is not left unobserved.
                    await restoring.ContinueWith(t => t.Exception, TaskScheduler.Default).ConfigureAwait(false);
                }

                throw;
            }
        }

        private async Task<RespValue> ScanAsync(RedisEndpoint node, string cursor, CancellationToken cancellationToken)
        {
            var arguments = new List<string> { "SCAN", cursor, "MATCH", _options.Pattern, "COUNT", _options.BatchSize.ToString(CultureInfo.InvariantCulture) };
            if (_options.Type != null)
            {
                arguments.Add("TYPE");
                arguments.Add(_options.Type);
            }

            RedisCommand command = RedisCommand.Create(arguments.ToArray());
            RespValue reply = (await _source.ExecuteOnNodeAsync(node, new[] { command }, cancellationToken).ConfigureAwait(false))[0].Value;
            if (reply.IsError || reply.Items.Count != 2)
            {
                throw new RedisServerErrorException((reply.GetString() ?? "unexpected SCAN reply") + " (on " + node + ")", "SCAN");
            }

            return reply;
        }

        /// <summary>
        /// Refuses a copy onto itself: a source and a destination node with the same run_id are the same server
        /// process, however they are addressed (localhost, 127.0.0.1, a tunnel). Two databases of one server are fine.
        /// </summary>
        private async Task RefuseSameServerAsync(IReadOnlyList<RedisEndpoint> sourceNodes, CancellationToken cancellationToken)
        {
            Dictionary<string, RedisEndpoint> sources = await RunIdsAsync(_source, sourceNodes, cancellationToken).ConfigureAwait(false);
            Dictionary<string, RedisEndpoint> destinations = await RunIdsAsync(_destination, _destination.GetPrimaryEndpoints(), cancellationToken).ConfigureAwait(false);
            foreach (KeyValuePair<string, RedisEndpoint> source in sources)
            {
                if (destinations.TryGetValue(source.Key, out RedisEndpoint? destination) && _source.Database == _destination.Database)
                {
                    throw new KeyCopyException(KeyCopyRefusal.SameServer,
                        "The source " + source.Value + " and the destination " + destination + " are the same server (run_id " + source.Key
                        + ", database " + _source.Database.ToString(CultureInfo.InvariantCulture) + "): a copy onto itself changes nothing"
                        + (_options.Delete ? " and a move would delete every key it copies" : string.Empty)
                        + ". Give another destination, or another database of the same server. Nothing was copied.");
                }
            }
        }

        private static async Task<Dictionary<string, RedisEndpoint>> RunIdsAsync(RedisClient client, IReadOnlyList<RedisEndpoint> nodes, CancellationToken cancellationToken)
        {
            var ids = new Dictionary<string, RedisEndpoint>(StringComparer.Ordinal);
            foreach (RedisEndpoint node in nodes)
            {
                RespValue info = (await client.ExecuteOnNodeAsync(node, new[] { RedisCommand.Create("INFO", "server") }, cancellationToken).ConfigureAwait(false))[0].Value;
                if (!info.IsError && ConnectionHandshake.ParseInfo(info.GetString() ?? string.Empty).TryGetValue("run_id", out string? id) && id.Length > 0)
                {
                    ids[id] = node;
                }
            }

            return ids;
        }

        private async Task<long> CountKeysAsync(IReadOnlyList<RedisEndpoint> nodes, CancellationToken cancellationToken)
        {
            long total = 0;
            foreach (RedisEndpoint node in nodes)
            {
                RespValue size = (await _source.ExecuteOnNodeAsync(node, new[] { RedisCommand.Create("DBSIZE") }, cancellationToken).ConfigureAwait(false))[0].Value;
                total += size.Type == RespType.Integer ? size.Integer : 0;
            }

            return total;
        }

        private static string Describe(RedisClient client)
            => client.Endpoint + (client.IsCluster ? " (cluster)" : client.Database != 0 ? " (database " + client.Database.ToString(CultureInfo.InvariantCulture) + ")" : string.Empty);
    }
}
