using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using RedisCluster.Engine.Tunnel;

namespace RedisCluster.PowerShell.Tunnel
{
    /// <summary>Finds running tunnels by name (with wildcards) or id, reporting names and ids that match none.</summary>
    internal static class TunnelSelection
    {
        public static List<RedisTunnel> Select(Cmdlet cmdlet, string[]? names, int[]? ids, bool reportMissing)
        {
            List<RedisTunnel> all = TunnelRegistry.All();
            var selected = new List<RedisTunnel>();
            if (names == null && ids == null)
            {
                return all;
            }

            foreach (string name in names ?? new string[0])
            {
                var pattern = WildcardPattern.Get(name, WildcardOptions.IgnoreCase);
                bool found = false;
                foreach (RedisTunnel tunnel in all)
                {
                    if (pattern.IsMatch(tunnel.Name))
                    {
                        found = true;
                        if (!selected.Contains(tunnel))
                        {
                            selected.Add(tunnel);
                        }
                    }
                }

                if (!found && reportMissing && !WildcardPattern.ContainsWildcardCharacters(name))
                {
                    cmdlet.WriteError(NotFound("No running tunnel is named '" + name + "'.", name));
                }
            }

            foreach (int id in ids ?? new int[0])
            {
                RedisTunnel? match = all.Find(t => t.Id == id);
                if (match == null)
                {
                    if (reportMissing)
                    {
                        cmdlet.WriteError(NotFound("No running tunnel has id " + id.ToString(CultureInfo.InvariantCulture) + ".", id));
                    }
                }
                else if (!selected.Contains(match))
                {
                    selected.Add(match);
                }
            }

            return selected;
        }

        private static ErrorRecord NotFound(string message, object target)
            => new ErrorRecord(new ItemNotFoundException(message), "RedisTunnelNotFound", ErrorCategory.ObjectNotFound, target);
    }
}
