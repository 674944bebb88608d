using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Client;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Routing
{
    /// <summary>
    /// A Redis Cluster behind the same calls as one server. Each batch is planned command by command,
    /// grouped per node, pipelined to all nodes in parallel; redirects and failovers are retried in
    /// rounds that keep the order of commands for the same slot.
    /// </summary>
    public sealed class ClusterRedisClient : RedisClient
    {
        private const int MaxRedirects = 16;

        private readonly ClusterConnections _connections;
        private readonly TopologyManager _topology;
        private readonly CommandPlanner _planner;
        private int _replicaTurn;

        private ClusterRedisClient(RedisClientOptions options, RedisEndpoint seed, ServerHello hello, ClusterConnections connections,
            TopologyManager topology, CommandTable commands)
            : base(options, seed, hello)
        {
            _connections = connections;
            _topology = topology;
            Commands = commands;
            _planner = new CommandPlanner(commands, topology, options.ReadFromReplica, GetKeysFromServerAsync);
        }

        public override bool IsCluster => true;

        /// <summary>The topology as last learned.</summary>
        public ClusterTopology Topology => _topology.Current;

        /// <summary>The server's command metadata that routing is based on.</summary>
        public CommandTable Commands { get; }

        /// <summary>Connections to the nodes open now (the pools open theirs on first use).</summary>
        internal int OpenConnections => _connections.OpenCount;

        /// <summary>The slot owners as routing sees them now, redirects included.</summary>
        internal SlotMap Slots => _topology.Slots;

        internal static async Task<ClusterRedisClient> ConnectAsync(IReadOnlyList<RedisEndpoint> seeds, RedisClientOptions options, TransportConnector connector, CancellationToken cancellationToken)
        {
            var connections = new ClusterConnections(options, connector);
            var failures = new List<string>();
            try
            {
                foreach (RedisEndpoint seed in seeds)
                {
                    try
                    {
                        // The application's pool: at the start the caller's own cancellation bounds the wait, and a seed
                        // still finishing a long script is waited for rather than given up on.
                        RedisConnection connection = await connections.Get(seed).GetAsync(cancellationToken).ConfigureAwait(false);
                        ClusterTopology topology = await ClusterTopologyLoader.LoadAsync(connection, cancellationToken).ConfigureAwait(false);
                        CommandTable commands = await CommandTable.LoadAsync(connection, cancellationToken).ConfigureAwait(false);
                        var manager = new TopologyManager(topology, connections, seeds, options.Log);
                        options.Log.Verbose("Cluster of " + topology.Primaries.Count + " primaries and " + topology.Replicas.Count + " replicas, learned from " + seed + ".");
                        return new ClusterRedisClient(options, seed, connection.Hello, connections, manager, commands);
                    }
                    catch (RedisAuthenticationException)
                    {
                        throw;
                    }
                    catch (RedisTlsException)
                    {
                        throw;
                    }
                    catch (RedisConnectionException ex)
                    {
                        failures.Add(ex.Message);
                    }
                }
            }
            catch
            {
                connections.Dispose();
                throw;
            }

            connections.Dispose();
            throw new RedisConnectionException(string.Join(",", seeds), "No cluster node could be reached: " + string.Join(" | ", failures));
        }

        public override Task<CommandTable> GetCommandTableAsync(CancellationToken cancellationToken = default) => Task.FromResult(Commands);

        public override IReadOnlyList<RedisEndpoint> GetPrimaryEndpoints() => _planner.OrderedPrimaries().Select(n => n.Endpoint!).ToList();

        public override async Task<IReadOnlyList<RedisReply>> ExecuteOnNodeAsync(RedisEndpoint node, IReadOnlyList<RedisCommand> commands, CancellationToken cancellationToken = default)
        {
            ThrowIfDisposed();
            RedisConnection connection = await _connections.Get(node).GetAsync(cancellationToken).ConfigureAwait(false);
            return await connection.ExecuteBatchAsync(commands, cancellationToken).ConfigureAwait(false);
        }

        internal override Task<RedisConnection> OpenDedicatedAsync(RedisEndpoint node, CancellationToken cancellationToken)
        {
            ThrowIfDisposed();
            return _connections.Get(node).OpenDedicatedAsync(cancellationToken);
        }

        /// <summary>The primary that keyless work goes to (the one with the lowest slots), or null while none is known.</summary>
        internal RedisEndpoint? DefaultPrimary => _topology.DefaultPrimary;

        /// <summary>Argument indices that decide where <paramref name="command"/> runs, found the way routing finds them.</summary>
        internal Task<IReadOnlyList<int>> GetKeyIndicesAsync(RedisCommand command, CancellationToken cancellationToken) => _planner.KeysOfAsync(command, cancellationToken);

        /// <summary>
        /// The route decisions this client acts on: <see cref="ExecuteBatchAsync"/> plans with them, and a relay that carries
        /// single-slot and split commands itself (the smart tunnel) takes the same decision instead of asking in pieces.
        /// </summary>
        internal CommandPlanner Planner => _planner;

        /// <summary>
        /// After a MOVED that <paramref name="servedBy"/> answered to work that must not be re-sent by routing (a
        /// transaction): reloads the topology, then takes the redirect's word for its slot, which a node that has not
        /// heard of the move yet could not give.
        /// </summary>
        internal async Task LearnMovedAsync(RespValue reply, RedisEndpoint servedBy, CancellationToken cancellationToken)
        {
            await _topology.RefreshAsync(cancellationToken).ConfigureAwait(false);
            if (ClusterRedirect.TryParse(reply, out ClusterRedirect? redirect) && redirect != null && redirect.Kind == RedirectKind.Moved
                && redirect.ResolveEndpoint(servedBy) is RedisEndpoint owner)
            {
                _topology.ApplyMoved(redirect.Slot, owner);
            }
        }

        /// <summary>Reloads the topology now (after a failover or a resharding done by hand).</summary>
        public Task RefreshTopologyAsync(CancellationToken cancellationToken = default) => _topology.RefreshAsync(cancellationToken);

        public override Task<IReadOnlyList<RedisReply>> ExecuteBatchAsync(IReadOnlyList<RedisCommand> commands, CancellationToken cancellationToken = default)
            => ExecuteDecidedAsync(DecidedCommand.Undecided(commands), cancellationToken);

        /// <summary>Like <see cref="ExecuteBatchAsync"/>, for commands whose routes their sender may have decided already.</summary>
        internal async Task<IReadOnlyList<RedisReply>> ExecuteDecidedAsync(IReadOnlyList<DecidedCommand> commands, CancellationToken cancellationToken = default)
        {
            ThrowIfDisposed();
            CommandPlan[] plans = await _planner.PlanBatchAsync(commands, cancellationToken).ConfigureAwait(false);
            var parts = new List<RoutedPart>();
            foreach (CommandPlan plan in plans)
            {
                parts.AddRange(plan.Parts.Where(p => p.Reply == null));
            }

            await RunAsync(parts, cancellationToken).ConfigureAwait(false);
            var replies = new RedisReply[plans.Length];
            for (int i = 0; i < plans.Length; i++)
            {
                replies[i] = plans[i].ToReply(Endpoint);
            }

            return replies;
        }

        private async Task RunAsync(List<RoutedPart> pending, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            int round = 0;
            while (pending.Count > 0)
            {
                var groups = new Dictionary<(RedisEndpoint Endpoint, bool Replica), List<RoutedPart>>();
                foreach (RoutedPart part in pending)
                {
                    part.Failure = null;
                    var target = Target(part);
                    part.Unroutable = target == null;
                    if (target == null)
                    {
                        continue;
                    }

                    if (!groups.TryGetValue(target.Value, out List<RoutedPart>? group))
                    {
                        group = new List<RoutedPart>();
                        groups[target.Value] = group;
                    }

                    group.Add(part);
                }

                await Task.WhenAll(groups.Select(g => SendAsync(g.Key.Endpoint, g.Key.Replica, g.Value, cancellationToken))).ConfigureAwait(false);

                // Walking the parts in the caller's order keeps same-slot commands in order on retry.
                var retry = new List<RoutedPart>();
                bool refresh = false, backOff = false;
                foreach (RoutedPart part in pending)
                {
                    Outcome outcome = part.Unroutable ? Outcome.RefreshAndRetry : Classify(part);
                    switch (outcome)
                    {
                        case Outcome.Done:
                            part.AskTarget = null;
                            break;
                        case Outcome.Redirected:
                            retry.Add(part);
                            break;
                        case Outcome.RefreshAndRetry:
                            refresh = true;
                            backOff = true;
                            retry.Add(part);
                            break;
                        case Outcome.RetryLater:
                            backOff = true;
                            retry.Add(part);
                            break;
                        case Outcome.RedirectedRefresh:
                            refresh = true;
                            retry.Add(part);
                            break;
                    }
                }

                pending = retry;
                if (pending.Count == 0)
                {
                    return;
                }

                round++;
                if (clock.Elapsed > Options.RetryTimeout || pending.Any(p => p.Redirects > MaxRedirects))
                {
                    GiveUp(pending, clock.Elapsed);
                    return;
                }

                if (refresh)
                {
                    await _topology.RefreshAsync(cancellationToken).ConfigureAwait(false);
                }

                if (backOff)
                {
                    int delay = (int)Math.Min(1000, 25 * Math.Pow(2, Math.Min(round, 6)));
                    await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        private (RedisEndpoint, bool)? Target(RoutedPart part)
        {
            if (part.AskTarget != null)
            {
                return (part.AskTarget, false);
            }

            if (part.Slot == null)
            {
                if (part.FixedTarget != null)
                {
                    return (part.FixedTarget, false);
                }

                RedisEndpoint? fallback = _topology.DefaultPrimary;
                return fallback != null ? (fallback, false) : ((RedisEndpoint, bool)?)null;
            }

            RedisEndpoint? owner = _topology.Slots[part.Slot.Value];
            if (owner == null)
            {
                return null;
            }

            if (part.PreferReplica)
            {
                ClusterNode? primary = _topology.Current.FindByEndpoint(owner);
                var replicas = primary == null ? new List<ClusterNode>()
                    : _topology.Current.GetReplicasOf(primary.Id).Where(r => r.Health == ClusterNodeHealth.Online && r.Endpoint != null).ToList();
                if (replicas.Count > 0)
                {
                    int turn = (int)((uint)Interlocked.Increment(ref _replicaTurn) % (uint)replicas.Count);
                    return (replicas[turn].Endpoint!, true);
                }
            }

            return (owner, false);
        }

        private async Task SendAsync(RedisEndpoint endpoint, bool replica, List<RoutedPart> parts, CancellationToken cancellationToken)
        {
            var wire = new List<RedisCommand>(parts.Count);
            var index = new int[parts.Count];
            for (int i = 0; i < parts.Count; i++)
            {
                if (parts[i].AskTarget != null)
                {
                    wire.Add(AskingCommand);
                }

                index[i] = wire.Count;
                wire.Add(parts[i].Command);
            }

            RedisConnection connection;
            try
            {
                connection = await _connections.Get(endpoint, replica).GetAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (RedisConnectionException ex) when (!(ex is RedisNotSentException))
            {
                // No connection, so nothing was sent: the parts may go again, wherever the slot is then.
                Failed(endpoint, parts, new RedisNotSentException(endpoint.ToString(), ex.Message, ex));
                return;
            }

            try
            {
                RedisReply[] replies = await connection.ExecuteBatchAsync(wire, cancellationToken).ConfigureAwait(false);
                for (int i = 0; i < parts.Count; i++)
                {
                    parts[i].Reply = replies[index[i]].Value;
                    parts[i].Elapsed = replies[index[i]].Elapsed;
                    parts[i].ServedBy = endpoint;
                }
            }
            catch (RedisConnectionException ex)
            {
                Failed(endpoint, parts, ex);
            }
        }

        private void Failed(RedisEndpoint endpoint, List<RoutedPart> parts, RedisConnectionException ex)
        {
            Options.Log.Verbose("Node " + endpoint + " failed (" + ex.Message + "); refreshing the topology.");
            foreach (RoutedPart part in parts)
            {
                part.Failure = ex;
                part.Reply = null;
                part.ServedBy = endpoint;
            }
        }

        private static readonly RedisCommand AskingCommand = RedisCommand.Create("ASKING");

        private enum Outcome
        {
            Done,
            Redirected,
            RedirectedRefresh,
            RetryLater,
            RefreshAndRetry,
        }

        private Outcome Classify(RoutedPart part)
        {
            if (part.Failure != null)
            {
                part.AskTarget = null;
                part.PreferReplica = false;
                if (MaySendAgain(part))
                {
                    return Outcome.RefreshAndRetry;
                }

                // The connection broke after the command went out: it may have run, and running a write
                // twice (an INCR, a script) is worse than an error. The caller hears that it failed.
                part.Reply = RespValue.Error("ERR the connection to " + (part.ServedBy?.ToString() ?? "the node") + " broke while '"
                    + part.Command.ToDisplayString(32) + "' was in flight; it may have run, so it was not sent again ("
                    + part.Failure.Message.Replace('\r', ' ').Replace('\n', ' ') + ")");
                part.Failure = null;
                _ = _topology.RefreshAsync(CancellationToken.None);
                return Outcome.Done;
            }

            RespValue? reply = part.Reply;
            if (reply == null || !reply.IsError)
            {
                return Outcome.Done;
            }

            ClusterErrorReply error = ClusterErrorReply.Of(reply);
            ClusterRedirect? redirect = error.Redirect;
            RedisEndpoint? target = null;
            if (redirect != null)
            {
                part.Redirects++;
                target = redirect.ResolveEndpoint(part.ServedBy ?? Endpoint);
                Options.Log.Verbose((redirect.Kind == RedirectKind.Moved ? "MOVED" : "ASK") + " slot " + redirect.Slot + " -> " + (target?.ToString() ?? "(unknown endpoint)") + " for '" + part.Command.ToDisplayString(32) + "'.");
            }

            if (part.InTransaction)
            {
                // Nothing in a MULTI ... EXEC block is re-sent on its own (it would run outside the
                // transaction): the block fails as a whole (EXECABORT) and the caller retries it.
                // A MOVED still teaches the slot map, so the retry goes to the new owner.
                if (redirect != null)
                {
                    if (target != null && redirect.Kind == RedirectKind.Moved)
                    {
                        _topology.ApplyMoved(redirect.Slot, target);
                    }

                    _ = _topology.RefreshAsync(CancellationToken.None);
                }

                return Outcome.Done;
            }

            if (redirect != null)
            {
                if (redirect.Kind == RedirectKind.Ask)
                {
                    part.AskTarget = target;
                    return target == null ? Outcome.RedirectedRefresh : Outcome.Redirected;
                }

                part.AskTarget = null;
                part.PreferReplica = false;
                if (target == null)
                {
                    return Outcome.RedirectedRefresh;
                }

                _topology.ApplyMoved(redirect.Slot, target);
                if (part.FixedTarget != null && part.Slot == null)
                {
                    part.FixedTarget = target;
                }

                // Patch now so the retry is direct; refresh too, since one MOVED rarely comes alone.
                _ = _topology.RefreshAsync(CancellationToken.None);
                return Outcome.Redirected;
            }

            switch (error.Kind)
            {
                case ErrorReplyKind.TryAgain:
                    part.Redirects++;
                    Options.Log.Verbose("TRYAGAIN for '" + part.Command.ToDisplayString(32) + "' (slot migrating); retrying.");
                    return Outcome.RetryLater;
                case ErrorReplyKind.Loading:
                    // Refused while the node loads its data set, so certainly not run: it goes again once
                    // loaded, within the retry timeout like a failover.
                    Options.Log.Verbose("LOADING for '" + part.Command.ToDisplayString(32) + "'; retrying once the node has loaded its data.");
                    return Outcome.RetryLater;
                case ErrorReplyKind.ClusterDown:
                case ErrorReplyKind.MasterDown:
                    Options.Log.Verbose(reply.GetString() + "; waiting for the cluster to heal.");
                    part.PreferReplica = false;
                    return Outcome.RefreshAndRetry;
                default:
                    return Outcome.Done;
            }
        }

        /// <summary>
        /// True when a part whose connection failed may be sent again: it certainly did not reach the server,
        /// or it only reads (outside a transaction, where a block re-sent could run twice).
        /// </summary>
        private bool MaySendAgain(RoutedPart part)
            => part.Failure is RedisNotSentException || (!part.InTransaction && Commands.Find(part.Command)?.IsReadOnly == true);

        /// <summary>
        /// Out of time: a redirect or CLUSTERDOWN that never settled stays the reply, so the caller sees
        /// it; a part that never got a reply at all makes the whole batch fail with a connection error.
        /// </summary>
        private void GiveUp(List<RoutedPart> pending, TimeSpan elapsed)
        {
            RoutedPart? broken = pending.FirstOrDefault(p => p.Failure != null || p.Reply == null);
            if (broken == null)
            {
                return;
            }

            string slot = broken.Slot.HasValue ? "slot " + broken.Slot.Value : "a keyless command";
            string node = broken.ServedBy?.ToString() ?? (broken.Slot.HasValue ? _topology.Slots[broken.Slot.Value]?.ToString() : null) ?? "no node owns it";
            throw new RedisConnectionException(node, "The cluster did not recover within " + elapsed.TotalSeconds.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture)
                + " s: " + slot + " (last tried on " + node + ") is unreachable: " + (broken.Failure?.Message ?? "no node owns the slot") + ".", broken.Failure);
        }

        private async Task<IReadOnlyList<int>> GetKeysFromServerAsync(RedisCommand command, CancellationToken cancellationToken)
        {
            RedisEndpoint endpoint = _topology.DefaultPrimary ?? Endpoint;
            RedisConnection connection = await _connections.Get(endpoint).GetAsync(cancellationToken).ConfigureAwait(false);
            return await CommandTable.GetKeysFromServerAsync(connection, command, cancellationToken).ConfigureAwait(false);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _connections.Dispose();
            }
        }
    }
}
