using System.Globalization;

namespace RedisCluster.Engine.Fill
{
    /// <summary>What one node received.</summary>
    public sealed class FillNodeResult
    {
        public FillNodeResult(string node, long keys, long bytes, double share, int slots, long? keysFound, string? verifiedOn = null)
        {
            VerifiedOn = verifiedOn ?? (keysFound.HasValue ? node : null);
            Node = node;
            Keys = keys;
            Bytes = bytes;
            Share = share;
            Slots = slots;
            KeysFound = keysFound;
        }

        public string Node { get; }

        public long Keys { get; }

        public long Bytes { get; }

        /// <summary>This node's fraction of all keys written (0-1).</summary>
        public double Share { get; }

        /// <summary>Slots the node owned when the fill started.</summary>
        public int Slots { get; }

        /// <summary>
        /// Keys of this node's part found after the fill (DBSIZE, or for a node that failed, the keys in its slots
        /// on the nodes that took them over); null when they could not be counted.
        /// </summary>
        public long? KeysFound { get; }

        /// <summary>
        /// False when what this node stored could not be checked: then <see cref="Keys"/> and <see cref="Bytes"/>
        /// are what was sent to it, not what is stored.
        /// </summary>
        public bool Verified => KeysFound.HasValue;

        /// <summary>Where <see cref="KeysFound"/> was counted: the node itself, or the node(s) that took its slots over after it failed.</summary>
        public string? VerifiedOn { get; }

        /// <summary>"127.0.0.1:7000 2,731 keys (33.3%)": how a fill result's node list reads as text.</summary>
        public override string ToString()
            => Node + " " + Keys.ToString("N0", CultureInfo.InvariantCulture) + " keys ("
               + (Share * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%)";
    }
}
