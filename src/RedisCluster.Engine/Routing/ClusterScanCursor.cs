using System.Globalization;

namespace RedisCluster.Engine.Routing
{
    /// <summary>
    /// A SCAN cursor for a whole cluster: the node's own cursor times 1024 plus the node's index among
    /// the primaries (ordered by their first slot). It stays a plain number, as clients expect.
    /// </summary>
    internal static class ClusterScanCursor
    {
        public const ulong NodeSpace = 1024;

        public static bool TryParse(string text, out ulong nodeCursor, out int nodeIndex)
        {
            nodeCursor = 0;
            nodeIndex = 0;
            if (!ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong composite))
            {
                return false;
            }

            nodeIndex = (int)(composite % NodeSpace);
            nodeCursor = composite / NodeSpace;
            return true;
        }

        public static string Format(ulong nodeCursor, int nodeIndex)
            => (nodeCursor * NodeSpace + (ulong)nodeIndex).ToString(CultureInfo.InvariantCulture);
    }
}
