using System.Globalization;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;

namespace RedisCluster.Engine.Cluster
{
    /// <summary>The rules shared by the topology parsers for turning what a reply says into an address to dial.</summary>
    internal static class TopologyAddress
    {
        /// <summary>
        /// Picks the host to dial. <paramref name="endpoint"/> is null when the reply has no endpoint field,
        /// empty for cluster-preferred-endpoint-type unknown-endpoint (meaning: use the host you reached the
        /// cluster through), and "?" for a preferred hostname that is not set (the IP still works).
        /// </summary>
        public static string ChooseHost(string? endpoint, string? ip, RedisEndpoint queried)
        {
            if (IsRealHost(endpoint))
            {
                return endpoint!;
            }

            if (endpoint != null && endpoint.Length == 0)
            {
                return queried.Host;
            }

            return IsRealHost(ip) ? ip! : queried.Host;
        }

        public static bool IsRealHost(string? host) => !string.IsNullOrEmpty(host) && host != "?";

        /// <summary>The endpoint for a host and port, or null when the port is unknown (0).</summary>
        public static RedisEndpoint? Create(string host, int port)
            => port > 0 && port <= 65535 ? new RedisEndpoint(host, port) : null;

        public static int ParsePort(string text, string context)
        {
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port > 65535)
            {
                throw new RedisException(context + ": '" + text + "' is not a port number.");
            }

            return port;
        }
    }
}
