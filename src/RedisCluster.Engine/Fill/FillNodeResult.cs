using System.Globalization;

namespace RedisCluster.Engine.Fill
{
    /// <summary>What one node received.</summary>
    public sealed class FillNodeResult
    {
        public FillNodeResult(string node, long keys, long bytes, double share, int slots, long? keysFound)
        {
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

        /// <summary>DBSIZE after the fill, when it was checked.</summary>
        public long? KeysFound { get; }

        /// <summary>"127.0.0.1:7000 2,731 keys (33.3%)": how a fill result's node list reads as text.</summary>
        public override string ToString()
            => Node + " " + Keys.ToString("N0", CultureInfo.InvariantCulture) + " keys ("
               + (Share * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%)";
    }
}
