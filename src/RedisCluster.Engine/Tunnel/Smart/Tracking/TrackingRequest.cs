using System.Collections.Generic;
using System.Globalization;
using System.Text;
using RedisCluster.Engine.Commands;

namespace RedisCluster.Engine.Tunnel.Smart.Tracking
{
    /// <summary>CLIENT TRACKING ON|OFF with its options, parsed with Redis 7.0's rules and errors.</summary>
    internal sealed class TrackingRequest
    {
        private const string SyntaxError = "ERR syntax error";

        private TrackingRequest(bool on, long redirect, TrackingFlags flags, IReadOnlyList<byte[]> prefixes)
        {
            On = on;
            Redirect = redirect;
            Flags = flags;
            Prefixes = prefixes;
        }

        public bool On { get; }

        /// <summary>The client id the invalidations go to; 0 for the client itself.</summary>
        public long Redirect { get; }

        public TrackingFlags Flags { get; }

        public IReadOnlyList<byte[]> Prefixes { get; }

        /// <summary>
        /// Parses CLIENT TRACKING's arguments (<paramref name="args"/>[2] on); null with <paramref name="error"/> set
        /// when Redis would refuse them. Whether the redirect target exists is the caller's check.
        /// </summary>
        public static TrackingRequest? Parse(byte[][] args, out string? error)
        {
            error = null;
            long redirect = 0;
            TrackingFlags flags = TrackingFlags.None;
            var prefixes = new List<byte[]>();
            for (int j = 3; j < args.Length; j++)
            {
                bool more = j < args.Length - 1;
                string option = CommandNames.Of(args[j]);
                if (option == "REDIRECT" && more)
                {
                    j++;
                    if (redirect != 0)
                    {
                        error = "ERR A client can only redirect to a single other client";
                        return null;
                    }

                    if (!long.TryParse(Encoding.ASCII.GetString(args[j]), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out redirect))
                    {
                        error = "ERR value is not an integer or out of range";
                        return null;
                    }
                }
                else if (option == "BCAST")
                {
                    flags |= TrackingFlags.Bcast;
                }
                else if (option == "OPTIN")
                {
                    flags |= TrackingFlags.OptIn;
                }
                else if (option == "OPTOUT")
                {
                    flags |= TrackingFlags.OptOut;
                }
                else if (option == "NOLOOP")
                {
                    flags |= TrackingFlags.NoLoop;
                }
                else if (option == "PREFIX" && more)
                {
                    prefixes.Add(args[++j]);
                }
                else
                {
                    error = SyntaxError;
                    return null;
                }
            }

            string mode = CommandNames.Of(args[2]);
            if (mode != "ON" && mode != "OFF")
            {
                error = SyntaxError;
                return null;
            }

            return new TrackingRequest(mode == "ON", redirect, flags, prefixes);
        }
    }
}
