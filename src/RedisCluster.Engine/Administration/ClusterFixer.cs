using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Connections;

namespace RedisCluster.Engine.Administration
{
    /// <summary>
    /// Repairs what a check found, as redis-cli --cluster fix does: open slots are finished or closed so
    /// that no key is left where the cluster does not look for it, then every uncovered slot gets an owner
    /// (the primary holding its keys, else the primary with the fewest slots). Beyond redis-cli, a slot that
    /// no primary serves (each believes another owns it) goes to the primary most nodes name as its owner.
    /// </summary>
    public sealed class ClusterFixer : IDisposable
    {
        private const string Activity = "Fixing the Redis Cluster";
        private readonly AdministrationContext _context;
        private readonly ClusterMembership _cluster;
        private readonly SlotMover _mover;
        private readonly ClusterCheckResult _check;

        private ClusterFixer(AdministrationContext context, ClusterMembership cluster, SlotMoveOptions options, ClusterCheckResult check)
        {
            _context = context;
            _cluster = cluster;
            _mover = new SlotMover(context, options);
            _check = check;
        }

        /// <summary>True when the check found something this fixer repairs (open, unserved or uncovered slots).</summary>
        public static bool CanFix(ClusterCheckResult check) => check.OpenSlots.Count > 0 || check.UnservedSlots.Count > 0 || check.UncoveredSlots.Count > 0;

        /// <summary>Connects to the members of the checked cluster; changes nothing.</summary>
        public static async Task<ClusterFixer> PrepareAsync(ClusterCheckResult check, SlotMoveOptions options, AdministrationContext context, CancellationToken cancellationToken)
        {
            ClusterMembership cluster = await ClusterMembership.ReadAsync(RedisEndpoint.Parse(check.Endpoint), context, cancellationToken, requireAll: false).ConfigureAwait(false);
            return new ClusterFixer(context, cluster, options, check);
        }

        public override string ToString()
        {
            var parts = new List<string>();
            if (_check.OpenSlots.Count > 0)
            {
                parts.Add("finish or close " + _check.OpenSlots.Select(o => o.Slot).Distinct().Count() + " open slot(s) (" + string.Join(", ", _check.OpenSlots) + ")");
            }

            if (_check.UnservedSlots.Count > 0)
            {
                parts.Add("give " + _check.UnservedSlots.Sum(r => r.Count) + " slot(s) no primary serves (" + SlotRanges.Format(_check.UnservedSlots) + ") to the owner most nodes name");
            }

            if (_check.UncoveredSlots.Count > 0)
            {
                parts.Add("assign " + (SlotRange.SlotCount - _check.CoveredSlotCount) + " uncovered slot(s) (" + SlotRanges.Format(_check.UncoveredSlots) + ")");
            }

            return "Fix the cluster: " + string.Join("; ", parts);
        }

        /// <summary>Repairs open slots, then uncovered ones; returns one line per action taken.</summary>
        public async Task<IReadOnlyList<string>> FixAsync(CancellationToken cancellationToken)
        {
            var actions = new List<string>();
            foreach (IGrouping<int, OpenSlot> open in _check.OpenSlots.GroupBy(o => o.Slot).OrderBy(g => g.Key))
            {
                actions.Add(await FixOpenSlotAsync(open.Key, open.ToList(), cancellationToken).ConfigureAwait(false));
                Report(actions);
            }

            if (_check.UnservedSlots.Count > 0)
            {
                actions.AddRange(await ServeAsync(cancellationToken).ConfigureAwait(false));
                Report(actions);
            }

            if (_check.UncoveredSlots.Count > 0)
            {
                actions.AddRange(await CoverAsync(cancellationToken).ConfigureAwait(false));
                Report(actions);
            }

            return actions;
        }

        private void Report(List<string> actions) => _context.Report(Activity, actions[actions.Count - 1]);

        private async Task<string> FixOpenSlotAsync(int slot, List<OpenSlot> marks, CancellationToken cancellationToken)
        {
            string s = slot.ToString(CultureInfo.InvariantCulture);
            ClusterNode? owner = PrimaryOwning(slot);
            List<OpenSlot> migrating = marks.Where(m => m.State == OpenSlotState.Migrating).ToList();
            List<OpenSlot> importing = marks.Where(m => m.State == OpenSlotState.Importing).ToList();
            if (migrating.Count == 1 && importing.Count <= 1)
            {
                // A move stopped half-way: finish it, or close it when the other side never got a key.
                NodeSession source = Session(migrating[0].NodeId);
                NodeSession target = Session(importing.Count == 1 ? importing[0].NodeId : migrating[0].OtherNodeId);
                string targetId = importing.Count == 1 ? importing[0].NodeId : migrating[0].OtherNodeId;
                if (importing.Count == 0 && await KeysInSlotAsync(target, s, cancellationToken).ConfigureAwait(false) == 0)
                {
                    await source.RunAsync(cancellationToken, "CLUSTER", "SETSLOT", s, "STABLE").ConfigureAwait(false);
                    return "Slot " + slot + ": closed the migration from " + source.Endpoint + " (" + target.Endpoint + " holds none of its keys).";
                }

                if (importing.Count == 0)
                {
                    // Refused only when the target took the slot already (a move stopped between its two SETSLOT NODE):
                    // then it accepts the remaining keys as the owner.
                    Protocol.RespValue opened = await target.TryRunAsync(cancellationToken, "CLUSTER", "SETSLOT", s, "IMPORTING", migrating[0].NodeId).ConfigureAwait(false);
                    if (opened.IsError && (opened.GetString() ?? string.Empty).IndexOf("already the owner", StringComparison.OrdinalIgnoreCase) < 0)
                    {
                        throw new AdministrationException(AdministrationFailure.CommandFailed, target.Endpoint.ToString(),
                            "CLUSTER SETSLOT " + s + " IMPORTING failed on " + target.Endpoint + ": " + opened.GetString());
                    }
                }

                long moved = await _mover.MigrateKeysAsync(slot, source, target, _ => { }, cancellationToken).ConfigureAwait(false);
                await SlotMover.AssignAsync(slot, targetId, target, source, Primaries(), cancellationToken).ConfigureAwait(false);
                return "Slot " + slot + ": finished the move from " + source.Endpoint + " to " + target.Endpoint + " (" + moved + " more key(s)).";
            }

            if (migrating.Count == 0 && owner != null)
            {
                // Nodes importing a slot nobody migrates: their keys go back to the owner, then they close it.
                NodeSession ownerSession = Session(owner.Id);
                long moved = 0;
                foreach (OpenSlot mark in importing)
                {
                    NodeSession importer = Session(mark.NodeId);
                    moved += await _mover.MigrateKeysAsync(slot, importer, ownerSession, _ => { }, cancellationToken).ConfigureAwait(false);
                    await importer.RunAsync(cancellationToken, "CLUSTER", "SETSLOT", s, "STABLE").ConfigureAwait(false);
                }

                return "Slot " + slot + ": closed the import on " + string.Join(", ", importing.Select(i => i.Endpoint)) + " and moved " + moved + " key(s) to its owner " + ownerSession.Endpoint + ".";
            }

            throw new AdministrationException(AdministrationFailure.InvalidState, null,
                "Slot " + slot + " is open in a way this fix does not repair safely (" + string.Join("; ", marks) + "); close it by hand with CLUSTER SETSLOT.");
        }

        /// <summary>
        /// Gives each slot that no primary serves to the reachable primary that most nodes' views name as its owner
        /// (its own view named another), with a fresh epoch so that its claim wins; the others then hear it claim the
        /// slot. A slot that some primary serves by now (a move that was under way) is left alone.
        /// </summary>
        private async Task<IReadOnlyList<string>> ServeAsync(CancellationToken cancellationToken)
        {
            var views = new List<IReadOnlyList<ClusterNode>>();
            foreach (NodeSession session in _cluster.Nodes.Select(_cluster.SessionOf).Where(s => s != null).Select(s => s!))
            {
                views.Add(await session.ClusterNodesAsync(cancellationToken).ConfigureAwait(false));
            }

            var reachable = new HashSet<string>(ReachablePrimaries().Select(n => n.Id), StringComparer.Ordinal);
            var actions = new List<string>();
            var given = new Dictionary<string, List<int>>(StringComparer.Ordinal);
            var servedAgain = new List<int>();
            foreach (int slot in _check.UnservedSlots.SelectMany(r => Enumerable.Range(r.Start, r.Count)))
            {
                if (views.Any(v => v.Any(n => n.IsMyself && n.IsPrimary && n.Slots.Any(r => r.Contains(slot)))))
                {
                    servedAgain.Add(slot);
                    continue;
                }

                string? owner = views.Select(v => v.FirstOrDefault(n => n.IsPrimary && n.Slots.Any(r => r.Contains(slot)))?.Id)
                    .Where(id => id != null && reachable.Contains(id)).GroupBy(id => id!, StringComparer.Ordinal)
                    .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g => g.Key).FirstOrDefault();
                if (owner == null)
                {
                    throw new AdministrationException(AdministrationFailure.NodeUnreachable, null,
                        "Slot " + slot + " is served by no primary, and no node names a reachable primary as its owner; the fix needs one.");
                }

                if (!given.TryGetValue(owner, out List<int>? slots))
                {
                    given[owner] = slots = new List<int>();
                }

                slots.Add(slot);
            }

            if (servedAgain.Count > 0)
            {
                actions.Add("Slot(s) " + SlotRanges.Format(SlotRanges.Of(servedAgain)) + " are served again by now; left as they are.");
            }

            foreach (KeyValuePair<string, List<int>> pair in given)
            {
                NodeSession owner = Session(pair.Key);
                await owner.RunAsync(cancellationToken, "CLUSTER", "BUMPEPOCH").ConfigureAwait(false);
                await SlotMover.AssignAsync(pair.Value, pair.Key, owner, null, Primaries(), cancellationToken).ConfigureAwait(false);
                actions.Add("Slot(s) " + SlotRanges.Format(SlotRanges.Of(pair.Value)) + ", which no primary served, now served by " + owner.Endpoint + ", the owner most nodes named.");
            }

            return actions;
        }

        /// <summary>Gives every uncovered slot an owner: the primary holding the most of its keys, else the one with the fewest slots.</summary>
        private async Task<IReadOnlyList<string>> CoverAsync(CancellationToken cancellationToken)
        {
            List<ClusterNode> primaries = ReachablePrimaries().Where(n => !n.HasFlag("fail")).ToList();
            if (primaries.Count == 0)
            {
                throw new AdministrationException(AdministrationFailure.InvalidState, null, "No reachable primary can take the uncovered slots.");
            }

            List<int> slots = _check.UncoveredSlots.SelectMany(r => Enumerable.Range(r.Start, r.Count)).ToList();
            var counts = new Dictionary<string, long[]>();
            foreach (ClusterNode primary in primaries)
            {
                var commands = slots.Select(slot => Commands.RedisCommand.Create("CLUSTER", "COUNTKEYSINSLOT", slot.ToString(CultureInfo.InvariantCulture))).ToList();
                Commands.RedisReply[] replies = await _cluster.SessionOf(primary)!.Connection.ExecuteBatchAsync(commands, cancellationToken).ConfigureAwait(false);
                counts[primary.Id] = replies.Select(r => r.Value.IsError ? 0 : r.Value.Integer).ToArray();
            }

            var owned = primaries.ToDictionary(p => p.Id, p => (long)p.Slots.Sum(r => r.Count));
            var assigned = primaries.ToDictionary(p => p.Id, p => new List<int>());
            var withKeys = new List<(int Slot, string Owner, List<string> Others)>();
            for (int i = 0; i < slots.Count; i++)
            {
                List<ClusterNode> holders = primaries.Where(p => counts[p.Id][i] > 0).OrderByDescending(p => counts[p.Id][i]).ToList();
                string ownerId = holders.Count > 0 ? holders[0].Id : owned.OrderBy(o => o.Value).First().Key;
                assigned[ownerId].Add(slots[i]);
                owned[ownerId]++;
                if (holders.Count > 1)
                {
                    withKeys.Add((slots[i], ownerId, holders.Skip(1).Select(h => h.Id).ToList()));
                }
            }

            var actions = new List<string>();
            foreach (KeyValuePair<string, List<int>> pair in assigned.Where(a => a.Value.Count > 0))
            {
                NodeSession session = Session(pair.Key);
                var arguments = new List<string> { "CLUSTER", "ADDSLOTS" };
                arguments.AddRange(pair.Value.Select(slot => slot.ToString(CultureInfo.InvariantCulture)));
                await session.RunAsync(cancellationToken, arguments.ToArray()).ConfigureAwait(false);
                // A fresh epoch makes this claim win over any stale one still gossiped for the slots.
                await session.RunAsync(cancellationToken, "CLUSTER", "BUMPEPOCH").ConfigureAwait(false);
                actions.Add("Assigned " + pair.Value.Count + " uncovered slot(s) (" + SlotRanges.Format(SlotRanges.Of(pair.Value)) + ") to " + session.Endpoint + ".");
            }

            foreach ((int slot, string ownerId, List<string> others) in withKeys)
            {
                string s = slot.ToString(CultureInfo.InvariantCulture);
                foreach (string other in others)
                {
                    // MIGRATE works on a node only for a slot it has open; importing from the owner opens it.
                    NodeSession holder = Session(other);
                    await holder.RunAsync(cancellationToken, "CLUSTER", "SETSLOT", s, "IMPORTING", ownerId).ConfigureAwait(false);
                    long moved = await _mover.MigrateKeysAsync(slot, holder, Session(ownerId), _ => { }, cancellationToken).ConfigureAwait(false);
                    await holder.RunAsync(cancellationToken, "CLUSTER", "SETSLOT", s, "STABLE").ConfigureAwait(false);
                    actions.Add("Slot " + slot + ": moved " + moved + " key(s) from " + holder.Endpoint + " to its new owner " + Session(ownerId).Endpoint + ".");
                }
            }

            return actions;
        }

        private ClusterNode? PrimaryOwning(int slot) => _cluster.Nodes.FirstOrDefault(n => n.IsPrimary && n.Slots.Any(r => r.Contains(slot)));

        /// <summary>The primaries the fixer has a session with.</summary>
        private IEnumerable<ClusterNode> ReachablePrimaries() => _cluster.Nodes.Where(n => n.IsPrimary && _cluster.SessionOf(n) != null);

        private List<NodeSession> Primaries() => ReachablePrimaries().Select(n => _cluster.SessionOf(n)!).ToList();

        private NodeSession Session(string nodeId)
        {
            ClusterNode? node = _cluster.Nodes.FirstOrDefault(n => n.Id == nodeId);
            return (node == null ? null : _cluster.SessionOf(node))
                ?? throw new AdministrationException(AdministrationFailure.NodeUnreachable, node?.Endpoint?.ToString() ?? nodeId,
                    "Node " + (node?.Endpoint?.ToString() ?? nodeId) + " cannot be reached; the fix needs it.");
        }

        private static async Task<long> KeysInSlotAsync(NodeSession node, string slot, CancellationToken cancellationToken)
            => (await node.RunAsync(cancellationToken, "CLUSTER", "COUNTKEYSINSLOT", slot).ConfigureAwait(false)).Integer;

        public void Dispose() => _cluster.Dispose();
    }
}
