using System;
using System.Collections.Generic;

namespace RedisCluster.Engine.Administration
{
    /// <summary>Reads the "field:value" lines of INFO and CLUSTER INFO replies (section headers and blank lines skipped).</summary>
    internal static class InfoText
    {
        public static Dictionary<string, string> Parse(string text)
        {
            var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (string raw in text.Split('\n'))
            {
                string line = raw.Trim();
                int colon = line.IndexOf(':');
                if (line.Length == 0 || line[0] == '#' || colon <= 0)
                {
                    continue;
                }

                fields[line.Substring(0, colon)] = line.Substring(colon + 1);
            }

            return fields;
        }
    }
}
