using System;
using System.Globalization;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Cluster
{
    /// <summary>A parsed <c>-MOVED slot endpoint:port</c> or <c>-ASK slot endpoint:port</c> error reply.</summary>
    public sealed class ClusterRedirect
    {
        private ClusterRedirect(RedirectKind kind, int slot, string? host, int port, bool hostUnknown)
        {
            Kind = kind;
            Slot = slot;
            Host = host;
            Port = port;
            IsHostUnknown = hostUnknown;
        }

        public RedirectKind Kind { get; }

        public int Slot { get; }

        /// <summary>The target host, or null when the reply left it empty or gave "?".</summary>
        public string? Host { get; }

        public int Port { get; }

        /// <summary>
        /// True for "?": the cluster prefers hostnames but the target has none set, so there is nothing to
        /// dial; refresh the topology instead.
        /// </summary>
        public bool IsHostUnknown { get; }

        public static bool TryParse(RespValue errorReply, out ClusterRedirect? redirect)
        {
            redirect = null;
            return errorReply != null && errorReply.IsError && TryParse(errorReply.GetString(), out redirect);
        }

        /// <summary>Parses the text of an error reply ("MOVED 3999 127.0.0.1:6381").</summary>
        public static bool TryParse(string? message, out ClusterRedirect? redirect)
        {
            redirect = null;
            if (message == null)
            {
                return false;
            }

            string[] parts = message.Trim().Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 3)
            {
                return false;
            }

            RedirectKind kind;
            switch (ErrorReplyClassifier.ClassifyText(parts[0]))
            {
                case ErrorReplyKind.Moved:
                    kind = RedirectKind.Moved;
                    break;
                case ErrorReplyKind.Ask:
                    kind = RedirectKind.Ask;
                    break;
                default:
                    return false;
            }

            if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int slot) || slot >= SlotRange.SlotCount)
            {
                return false;
            }

            // IPv6 addresses come unbracketed ("::1:7000"), so only the last colon separates the port.
            string endpoint = parts[2];
            int colon = endpoint.LastIndexOf(':');
            if (colon < 0
                || !int.TryParse(endpoint.Substring(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port)
                || port < 1 || port > 65535)
            {
                return false;
            }

            string host = endpoint.Substring(0, colon).TrimStart('[').TrimEnd(']');
            bool unknown = host == "?";
            redirect = new ClusterRedirect(kind, slot, unknown || host.Length == 0 ? null : host, port, unknown);
            return true;
        }

        /// <summary>
        /// Where to send the command next. An empty host (cluster-preferred-endpoint-type unknown-endpoint)
        /// means the same host the command was sent to, with the new port; "?" gives null: refresh the topology.
        /// </summary>
        public RedisEndpoint? ResolveEndpoint(RedisEndpoint sentTo)
        {
            if (IsHostUnknown)
            {
                return null;
            }

            if (Host == null)
            {
                if (sentTo == null)
                {
                    throw new ArgumentNullException(nameof(sentTo));
                }

                return new RedisEndpoint(sentTo.Host, Port);
            }

            return new RedisEndpoint(Host, Port);
        }

        public override string ToString()
            => (Kind == RedirectKind.Moved ? "MOVED " : "ASK ") + Slot.ToString(CultureInfo.InvariantCulture) + " "
                + (IsHostUnknown ? "?" : Host ?? string.Empty) + ":" + Port.ToString(CultureInfo.InvariantCulture);
    }
}
