using System.Diagnostics;
using System.Threading.Tasks;
using RedisCluster.Engine.Connections;

namespace RedisCluster.Engine.Client.PubSub
{
    /// <summary>One channel or pattern the subscriber holds, and where it is subscribed now.</summary>
    internal sealed class Subscription
    {
        public Subscription(SubscriptionKind kind, string name, int slot)
        {
            Kind = kind;
            Name = name;
            Slot = slot;
        }

        public SubscriptionKind Kind { get; }

        public string Name { get; }

        /// <summary>The hash slot of a shard channel (computed for every kind; only shard channels use it).</summary>
        public int Slot { get; }

        /// <summary>The connection the subscribe command went out on; null while it needs placing.</summary>
        public SubscriberConnection? Connection { get; set; }

        /// <summary>True once the server confirmed the subscription on <see cref="Connection"/>.</summary>
        public bool Active { get; set; }

        /// <summary>Where a MOVED reply said the shard channel lives, until the next placement.</summary>
        public RedisEndpoint? RedirectedTo { get; set; }

        /// <summary>
        /// The node that ended this shard channel's subscription itself (its slot moved away), until it is placed
        /// again; with <see cref="StaleOwnerRounds"/>, how many placement rounds the topology still named it.
        /// </summary>
        public RedisEndpoint? EndedBy { get; set; }

        public int StaleOwnerRounds { get; set; }

        /// <summary>When the subscription was lost (Stopwatch ticks), for the gap reported on re-subscribing; 0 if never.</summary>
        public long LostAt { get; set; }

        /// <summary>Completed when the server first confirms the subscription; faulted when it refuses it.</summary>
        public TaskCompletionSource<bool> FirstConfirmation { get; } = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool EverConfirmed => FirstConfirmation.Task.Status == TaskStatus.RanToCompletion;

        public string Describe() => (Kind == SubscriptionKind.Pattern ? "pattern " : Kind == SubscriptionKind.ShardChannel ? "shard channel " : "channel ") + Name;

        /// <summary>Marks the subscription as needing a new place, remembering when it was lost if it was in place.</summary>
        public void Lose()
        {
            if (Active && LostAt == 0)
            {
                LostAt = Stopwatch.GetTimestamp();
            }

            Connection = null;
            Active = false;
        }
    }
}
