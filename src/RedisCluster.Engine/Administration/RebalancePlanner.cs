using System;
using System.Collections.Generic;
using System.Linq;
using RedisCluster.Engine.Cluster;

namespace RedisCluster.Engine.Administration
{
    /// <summary>
    /// redis-cli --cluster rebalance's plan, step for step, so both tools end with the same slots on the same
    /// nodes: each primary's balance is its slot count minus its share (16384 / total weight x weight, in
    /// single precision and truncated, as redis-cli computes it); rounding leftovers go to receivers in node
    /// order; then, sorted by balance, slots move from the most over to the most under, each source giving
    /// its lowest slots first.
    /// </summary>
    internal static class RebalancePlanner
    {
        /// <param name="primaries">Every primary in redis-cli's order: the node asked first, then the others as its CLUSTER NODES lists them.</param>
        /// <param name="weights">Weights by node id; a primary not in it weighs 1.</param>
        /// <param name="needed">False when every primary is within the threshold (then no move is planned).</param>
        public static List<RebalanceMove> Plan(IReadOnlyList<ClusterNode> primaries, IReadOnlyDictionary<string, double> weights, RebalanceRequest request,
            out List<RebalancePrimary> balances, out bool needed)
        {
            var involved = new List<Member>();
            foreach (ClusterNode node in primaries)
            {
                bool takesPart = request.UseEmptyPrimaries || Count(node) > 0;
                double weight = weights.TryGetValue(node.Id, out double given) ? given : 1;
                var member = new Member(node, takesPart ? weight : 0, takesPart);
                if (takesPart)
                {
                    involved.Add(member);
                }
            }

            // Summed in single precision like redis-cli (Enumerable.Sum would add in double).
            float totalWeight = 0;
            foreach (Member member in involved)
            {
                totalWeight += (float)member.Weight;
            }

            int totalBalance = 0;
            needed = false;
            foreach (Member member in involved)
            {
                int expected = (int)(SlotRange.SlotCount / totalWeight * (float)member.Weight);
                member.Balance = member.Slots.Count - expected;
                totalBalance += member.Balance;
                needed |= OverThreshold(member.Slots.Count, expected, request.Threshold);
            }

            var moves = new List<RebalanceMove>();
            if (needed)
            {
                while (totalBalance > 0)
                {
                    foreach (Member member in involved.Where(m => m.Balance <= 0))
                    {
                        if (totalBalance > 0)
                        {
                            member.Balance--;
                            totalBalance--;
                        }
                    }
                }

                // OrderBy is stable, like the merge sort glibc's qsort uses for these few elements.
                List<Member> sorted = involved.OrderBy(m => m.Balance).ToList();
                int destination = 0;
                int source = sorted.Count - 1;
                while (destination < source)
                {
                    Member to = sorted[destination];
                    Member from = sorted[source];
                    int count = Math.Min(Math.Abs(to.Balance), Math.Abs(from.Balance));
                    if (count > 0)
                    {
                        List<int> slots = from.Slots.Take(count).ToList();
                        from.Slots.RemoveRange(0, count);
                        to.Received += count;
                        moves.Add(new RebalanceMove(Name(from.Node), from.Node.Id, Name(to.Node), to.Node.Id, slots, 0, TimeSpan.Zero));
                    }

                    to.Balance += count;
                    from.Balance -= count;
                    destination += to.Balance == 0 ? 1 : 0;
                    source -= from.Balance == 0 ? 1 : 0;
                }
            }

            balances = primaries.Select(p => involved.FirstOrDefault(m => m.Node.Id == p.Id) ?? new Member(p, 0, false))
                .Select(m => new RebalancePrimary(Name(m.Node), m.Node.Id, m.Weight, m.TakesPart, Count(m.Node), m.Slots.Count + m.Received)).ToList();
            return moves;
        }

        /// <summary>redis-cli's test: the share differs from the count by more than the threshold percent (an empty node: its share is over 1 slot).</summary>
        private static bool OverThreshold(int slots, int expected, double threshold)
        {
            if (threshold == 0)
            {
                return slots != expected;
            }

            return slots > 0 ? Math.Abs(100 - (100.0 * expected / slots)) > (float)threshold : expected > 1;
        }

        private static int Count(ClusterNode node) => node.Slots.Sum(r => r.End - r.Start + 1);

        private static string Name(ClusterNode node) => node.Endpoint?.ToString() ?? node.Id;

        private sealed class Member
        {
            public Member(ClusterNode node, double weight, bool takesPart)
            {
                Node = node;
                Weight = weight;
                TakesPart = takesPart;
                Slots = node.Slots.SelectMany(r => Enumerable.Range(r.Start, r.End - r.Start + 1)).OrderBy(s => s).ToList();
            }

            public ClusterNode Node { get; }

            public double Weight { get; }

            public bool TakesPart { get; }

            /// <summary>The slots it still has, lowest first (the ones a move takes).</summary>
            public List<int> Slots { get; }

            public int Received { get; set; }

            /// <summary>Slots to give (positive) or take (negative).</summary>
            public int Balance { get; set; }
        }
    }
}
