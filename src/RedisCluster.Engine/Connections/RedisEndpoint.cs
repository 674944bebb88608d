using System;
using System.Globalization;
using RedisCluster.Engine.Errors;

namespace RedisCluster.Engine.Connections
{
    /// <summary>A host and port. Hosts may be names, IPv4 or IPv6 addresses (bracketed or not).</summary>
    public sealed class RedisEndpoint : IEquatable<RedisEndpoint>
    {
        public const int DefaultPort = 6379;

        public RedisEndpoint(string host, int port)
        {
            if (string.IsNullOrWhiteSpace(host))
            {
                throw new RedisConfigurationException("An endpoint needs a host name or address.");
            }

            if (port < 1 || port > 65535)
            {
                throw new RedisConfigurationException("Port " + port.ToString(CultureInfo.InvariantCulture) + " is outside 1-65535.");
            }

            Host = host.Trim().TrimStart('[').TrimEnd(']');
            Port = port;
            _hash = StringComparer.OrdinalIgnoreCase.GetHashCode(Host) * 31 + Port;
        }

        // Worked out once: the smart tunnel looks its relay connections up by endpoint for every command it relays.
        private readonly int _hash;

        public string Host { get; }

        public int Port { get; }

        /// <summary>
        /// Parses "host", "host:port", "[v6]:port" or a bare IPv6 address. Splits at the last colon, as
        /// Redis itself does for the endpoints in MOVED and topology replies.
        /// </summary>
        public static RedisEndpoint Parse(string text, int defaultPort = DefaultPort)
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                throw new RedisConfigurationException("An empty endpoint was given; use host:port, for example localhost:6379.");
            }

            string s = text.Trim();
            if (s.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) || s.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase))
            {
                throw new RedisConfigurationException("Endpoint '" + s + "': give host:port without a URL scheme (use -Tls for TLS).");
            }

            if (s.StartsWith("[", StringComparison.Ordinal))
            {
                int close = s.IndexOf(']');
                if (close < 0)
                {
                    throw new RedisConfigurationException("Endpoint '" + s + "' has an unclosed '['.");
                }

                string host6 = s.Substring(1, close - 1);
                string rest = s.Substring(close + 1);
                if (rest.Length == 0)
                {
                    return new RedisEndpoint(host6, defaultPort);
                }

                if (!rest.StartsWith(":", StringComparison.Ordinal))
                {
                    throw new RedisConfigurationException("Endpoint '" + s + "' is not of the form [address]:port.");
                }

                return new RedisEndpoint(host6, ParsePort(rest.Substring(1), s));
            }

            int colon = s.LastIndexOf(':');
            if (colon < 0)
            {
                return new RedisEndpoint(s, defaultPort);
            }

            // More than one colon without brackets: a bare IPv6 address, unless the part after the last
            // colon is a port (Redis writes IPv6 endpoints unbracketed with ":port").
            if (s.IndexOf(':') != colon && !int.TryParse(s.Substring(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                return new RedisEndpoint(s, defaultPort);
            }

            return new RedisEndpoint(s.Substring(0, colon), ParsePort(s.Substring(colon + 1), s));
        }

        private static int ParsePort(string text, string whole)
        {
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port < 1 || port > 65535)
            {
                throw new RedisConfigurationException("Endpoint '" + whole + "' has an invalid port '" + text + "'; use a number from 1 to 65535.");
            }

            return port;
        }

        public bool Equals(RedisEndpoint? other)
            => ReferenceEquals(other, this) || (other != null && other._hash == _hash && other.Port == Port && string.Equals(other.Host, Host, StringComparison.OrdinalIgnoreCase));

        public override bool Equals(object? obj) => Equals(obj as RedisEndpoint);

        public override int GetHashCode() => _hash;

        public override string ToString()
            => (Host.IndexOf(':') >= 0 ? "[" + Host + "]" : Host) + ":" + Port.ToString(CultureInfo.InvariantCulture);
    }
}
