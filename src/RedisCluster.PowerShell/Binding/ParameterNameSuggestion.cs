using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace RedisCluster.PowerShell.Binding
{
    /// <summary>
    /// The parameters a user probably meant by a name that matches none: the closest names or aliases by
    /// edit distance (a swapped pair of letters counts once), compared with the whole name for a misspelling
    /// and with its start for a wrong abbreviation.
    /// </summary>
    internal static class ParameterNameSuggestion
    {
        public static List<string> For(string typed, IEnumerable<ParameterMetadata> parameters)
        {
            int best = Math.Max(1, typed.Length / 3) + 1;
            var suggestions = new List<string>();
            foreach (ParameterMetadata parameter in parameters)
            {
                int distance = new[] { parameter.Name }.Concat(parameter.Aliases).Min(candidate => Distance(typed, candidate));
                if (distance < best)
                {
                    best = distance;
                    suggestions.Clear();
                }

                if (distance == best)
                {
                    suggestions.Add(parameter.Name);
                }
            }

            suggestions.Sort(StringComparer.OrdinalIgnoreCase);
            return suggestions;
        }

        /// <summary>Whole-name distance, or the distance to the candidate's start when the typed name is an abbreviation of at least three letters.</summary>
        private static int Distance(string typed, string candidate)
        {
            int whole = EditDistance(typed, candidate);
            if (typed.Length >= 3 && typed.Length < candidate.Length)
            {
                whole = Math.Min(whole, EditDistance(typed, candidate.Substring(0, typed.Length)));
            }

            return whole;
        }

        /// <summary>Optimal string alignment distance, case-insensitive.</summary>
        private static int EditDistance(string a, string b)
        {
            a = a.ToUpperInvariant();
            b = b.ToUpperInvariant();
            var d = new int[a.Length + 1, b.Length + 1];
            for (int i = 0; i <= a.Length; i++)
            {
                d[i, 0] = i;
            }

            for (int j = 0; j <= b.Length; j++)
            {
                d[0, j] = j;
            }

            for (int i = 1; i <= a.Length; i++)
            {
                for (int j = 1; j <= b.Length; j++)
                {
                    int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                    d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                    if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    {
                        d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                    }
                }
            }

            return d[a.Length, b.Length];
        }
    }
}
