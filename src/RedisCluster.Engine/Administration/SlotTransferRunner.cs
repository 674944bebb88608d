using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace RedisCluster.Engine.Administration
{
    /// <summary>
    /// Carries out planned slot transfers (Move-RedisSlot, the rebalance): consecutive transfers between the
    /// same two primaries form groups of <see cref="SlotMoveOptions.SlotsAtOnce"/> slots that are opened,
    /// emptied and assigned together, one group after another. Ctrl+C or a failure stops the group under way
    /// where it is (open, which Test-RedisCluster -Fix finishes) and starts no other.
    /// </summary>
    internal sealed class SlotTransferRunner
    {
        private readonly ClusterMembership _cluster;
        private readonly AdministrationContext _context;
        private readonly SlotMover _mover;
        private readonly SlotMoveOptions _options;
        private readonly string _activity;

        public SlotTransferRunner(ClusterMembership cluster, AdministrationContext context, SlotMoveOptions options, string activity)
        {
            _cluster = cluster;
            _context = context;
            _options = options;
            _mover = new SlotMover(context, options);
            _activity = activity;
        }

        /// <summary>Moves the slots in the order given; returns the keys moved per slot (every slot of the list, once it returns).</summary>
        public async Task<IReadOnlyDictionary<int, long>> RunAsync(IReadOnlyList<SlotTransfer> transfers, CancellationToken cancellationToken)
        {
            List<NodeSession> primaries = _cluster.Nodes.Where(n => n.IsPrimary).Select(_cluster.SessionOf).Where(s => s != null).Select(s => s!).ToList();
            var keysBySlot = new Dictionary<int, long>();
            var clock = Stopwatch.StartNew();
            long keys = 0;
            foreach (List<SlotTransfer> group in Groups(transfers))
            {
                cancellationToken.ThrowIfCancellationRequested();
                SlotTransfer first = group[0];
                NodeSession source = _cluster.SessionOf(first.Source)!;
                NodeSession destination = _cluster.SessionOf(first.Destination)!;
                List<int> slots = group.Select(t => t.Slot).ToList();
                void Report(long more)
                {
                    keys += more;
                    double rate = keys / Math.Max(clock.Elapsed.TotalSeconds, 0.001);
                    _context.Progress?.Report(new AdministrationProgress(_activity,
                        "Slots " + SlotRanges.Format(SlotRanges.Of(slots)) + " (" + (keysBySlot.Count + slots.Count) + " of " + transfers.Count + ") from "
                        + source.Endpoint + " to " + destination.Endpoint + ": " + keys.ToString("N0", CultureInfo.InvariantCulture) + " keys moved, "
                        + rate.ToString("N0", CultureInfo.InvariantCulture) + " keys/s",
                        keysBySlot.Count * 100 / transfers.Count));
                }

                Report(0);
                await _mover.OpenAsync(slots, source, first.Source.Id, destination, first.Destination.Id, cancellationToken).ConfigureAwait(false);
                long[] moved = await _mover.MigrateKeysAsync(slots, source, destination, (_, more) => Report(more), cancellationToken).ConfigureAwait(false);
                await _mover.AssignMeasuredAsync(slots, first.Destination.Id, destination, source, primaries, cancellationToken).ConfigureAwait(false);
                for (int i = 0; i < slots.Count; i++)
                {
                    keysBySlot[slots[i]] = moved[i];
                }
            }

            _context.Log.Verbose("Moved " + keysBySlot.Count + " slot(s) and " + keys + " key(s) in " + clock.Elapsed.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)
                + " s; time per step: " + _mover.Phases + ".");
            return keysBySlot;
        }

        /// <summary>Runs of transfers between the same two primaries, cut into groups of at most SlotsAtOnce.</summary>
        private IEnumerable<List<SlotTransfer>> Groups(IReadOnlyList<SlotTransfer> transfers)
        {
            var group = new List<SlotTransfer>();
            foreach (SlotTransfer transfer in transfers)
            {
                if (group.Count == _options.SlotsAtOnce || (group.Count > 0 && (group[0].Source.Id != transfer.Source.Id || group[0].Destination.Id != transfer.Destination.Id)))
                {
                    yield return group;
                    group = new List<SlotTransfer>();
                }

                group.Add(transfer);
            }

            if (group.Count > 0)
            {
                yield return group;
            }
        }
    }
}
